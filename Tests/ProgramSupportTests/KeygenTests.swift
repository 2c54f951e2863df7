import Testing
import ProgramSupport

/// n2n-keygen's output against the stock 3.1.1 tool (v3 spec 6.7) and its refusals.
@Suite struct KeygenTests {
    @Test func userLinesAndFederationKeysAreTheStockToolsOutput() {
        #expect(KeygenCommandLine.evaluate(["logan", "007"])
                == CommandLineExit(status: 0, output: "* logan nHWum+r42k1qDXdIeH-WFKeylK5UyLStRzxofRNAgpG\n"))
        #expect(KeygenCommandLine.evaluate(["alice", "secret"]).output == "* alice ROMg4FBgfOcHeWb5QKC-XQi6tvTCIx4q6-DeJ7Wrd2O\n")
        #expect(KeygenCommandLine.evaluate(["-F", "secretFed"])
                == CommandLineExit(status: 0, output: "-P opIyaWhWjKLJSNOHNpKnGmelhHWRqkmY5pAx7lbDHp4\n"))
        #expect(KeygenCommandLine.evaluate(["-F", "Federation"]).output == "-P i0IuBFO0RC22m2Ya32uUUFUA2yfQSwsxVZ3-S5F2k7O\n")
    }

    @Test func aStarredFederationNameGivesTheKeyTheSupernodeUsesAndSaysSo() {
        let result = KeygenCommandLine.evaluate(["-F", "*Federation"])
        #expect(result.status == 0)
        #expect(result.output == "-P i0IuBFO0RC22m2Ya32uUUFUA2yfQSwsxVZ3-S5F2k7O\n")
        #expect(result.errorOutput.contains("without the leading '*'"))
    }

    @Test(arguments: [[], ["logan"], ["a", "b", "c"], ["-h"], ["--help"], ["-F"], ["-x", "y"]])
    func otherArgumentCountsPrintTheUsageAndExitOne(arguments: [String]) {
        let result = KeygenCommandLine.evaluate(arguments)
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(result.errorOutput.contains("n2n-keygen <username> <password>"))
    }

    @Test(arguments: ["", "averyveryverylongname", "two words"])
    func userNamesTheSupernodeCannotReadAreRefused(user: String) {
        let result = KeygenCommandLine.evaluate([user, "pw"])
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(result.errorOutput.contains("1 to 15 bytes"))
    }
}

import ProgramSupport
import Testing
@testable import Supernode

/// `supernode --help` is exactly the golden text (Golden/SupernodeHelpGolden.swift), at 80 columns.
@Suite struct CLISupernodeHelpGoldenTests {
    @Test func helpTextIsTheGoldenText() {
        #expect(SupernodeCommandLine.helpText(columns: 80) == supernodeHelpGolden)
    }

    @Test(arguments: [["--help"], ["-h"]])
    func helpExitPrintsTheGoldenTextOnStandardOutput(_ arguments: [String]) {
        let exit = SupernodeCommandLine.evaluate(arguments, columns: 80).exitRequest
        #expect(exit == CommandLineExit(status: 0, output: supernodeHelpGolden + "\n"))
    }

    @Test func noArgumentsPrintTheGoldenTextOnStandardError() {
        let exit = SupernodeCommandLine.evaluate([], columns: 80).exitRequest
        #expect(exit == CommandLineExit(status: 2, errorOutput: supernodeHelpGolden + "\n"))
    }
}

import ProgramSupport
import Testing
@testable import Edge

/// `edge --help` is exactly the golden text (Golden/EdgeHelpGolden.swift), at 80 columns.
@Suite struct CLIEdgeHelpGoldenTests {
    @Test func helpTextIsTheGoldenText() {
        #expect(EdgeCommandLine.helpText(columns: 80) == edgeHelpGolden)
    }

    @Test(arguments: [["--help"], ["-h"]])
    func helpExitPrintsTheGoldenTextOnStandardOutput(_ arguments: [String]) {
        let exit = EdgeCommandLine.evaluate(arguments, environment: [:], columns: 80).exitRequest
        #expect(exit == CommandLineExit(status: 0, output: edgeHelpGolden + "\n"))
    }

    @Test func noArgumentsPrintTheGoldenTextOnStandardError() {
        let exit = EdgeCommandLine.evaluate([], environment: [:], columns: 80).exitRequest
        #expect(exit == CommandLineExit(status: 2, errorOutput: edgeHelpGolden + "\n"))
    }
}

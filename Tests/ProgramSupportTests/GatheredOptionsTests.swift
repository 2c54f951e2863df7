import Glibc
import Testing
@testable import ProgramSupport
import PacketCore
import LinuxSystem

private let table = OptionTable([
    OptionSpec(short: "h"),
    OptionSpec(short: "c", argument: .required),
    OptionSpec(short: "f"),
])

private func gather(_ arguments: [String], file: String? = nil) -> GatheredOptions {
    GatheredOptions(arguments, table: table, readFile: { path throws(FileReadError) in
        guard let file else { throw FileReadError(path: path, errno: ENOENT) }
        return file
    }, strayHint: { stray, args in " [\(stray) in \(args.joined(separator: " "))]" })
}

@Suite struct ProcessGatheredOptionsTests {
    @Test func fileOptionsComeBeforeCommandLineOptions() {
        let g = gather(["a.conf", "-c", "two", "-f"], file: "-c=one\n")
        #expect(g.options.map(\.key) == ["c", "c", "f"])
        #expect(g.options.map(\.value) == ["one", "two", nil])
        #expect(g.firstError == nil)
        #expect(!g.wantsHelp && !g.wantsVersion)
    }

    @Test func firstErrorPrefersTheFileThenSyntaxThenStray() {
        #expect(gather(["a.conf", "-x", "stray"]).firstError == "configuration file: cannot read 'a.conf': No such file or directory")
        #expect(gather(["-f", "stray"]).firstError == "unexpected argument 'stray' [stray in -f stray]")
        #expect(gather(["a.conf", "-f", "stray"], file: "").firstError == "unexpected argument 'stray' [stray in -f stray]")
        #expect(gather(["-x", "stray"]).firstError != nil)
        #expect(gather(["-x", "stray"]).firstError?.contains("stray") == false)
    }

    @Test func helpIsSeenDespiteErrors() {
        let g = gather(["a.conf", "-h"])
        #expect(g.wantsHelp)
        #expect(g.firstError != nil)
    }

    @Test func usageErrorLayout() {
        let withUsage = CommandLineExit.usageError(program: "p", problem: "bad", warnings: ["w1", "w2"],
                                                   usage: "USAGE: p\n", status: 1)
        #expect(withUsage == CommandLineExit(status: 1, errorOutput: "p: warning: w1\np: warning: w2\np: bad\n\nUSAGE: p\n\nSee 'p -h' for all options.\n"))
        let bare = CommandLineExit.usageError(program: "p", problem: "fatal", warnings: [], usage: nil, status: 7)
        #expect(bare == CommandLineExit(status: 7, errorOutput: "p: fatal\n"))
    }
}

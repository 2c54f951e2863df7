import N2NWire
import ProgramSupport
import Testing
@testable import Edge

/// Every way `edge`'s command line can end before running, with its status: 0 for help and
/// version, 2 for every usage or configuration error (n2n 2.8 exited 0 or 1 for these).
@Suite struct CLIEdgeExitStatusTests {
    @Test(arguments: [["--help"], ["-h"], ["--version"], ["--vers"], baseArguments + ["--version"]])
    func helpAndVersionExitZero(_ arguments: [String]) throws {
        let exit = try #require(edgeExit(arguments))
        #expect(exit.status == ExitStatus.success)
        #expect(exit.errorOutput == "")
        #expect(!exit.output.isEmpty)
    }

    @Test(arguments: [
        [],
        baseArguments + ["-M", "99999"],
        ["-c", "bench", "-l", "10.0.0.1:7654", "-a", "foo"],
        baseArguments + ["-k", "k", "-A9"],
        baseArguments + ["-z7"],
        baseArguments + ["-l", "10.0.0.2:1", "-l", "10.0.0.3:1"],
        baseArguments + ["-x"],
        baseArguments + ["stray"],
        ["-c", "bench"],
        ["missing.conf"],
        baseArguments + ["--pidfile"],
        baseArguments + ["--pidfile="],
    ])
    func usageAndConfigurationErrorsExitTwo(_ arguments: [String]) throws {
        let exit = try #require(edgeExit(arguments))
        #expect(exit.status == ExitStatus.usage)
        #expect(exit.output == "")
        #expect(!exit.errorOutput.isEmpty)
    }

    @Test func theTwoValuesOfTheIssueExitTwoNamingTheValue() throws {
        let mtu = try #require(edgeExit(baseArguments + ["-M", "99999"]))
        #expect(mtu.status == 2)
        #expect(mtu.errorOutput.hasPrefix("edge: The value '99999' is invalid for '-M <mtu>': out of range 68...1967\n"))
        let address = try #require(edgeExit(["-c", "bench", "-l", "10.0.0.1:7654", "-a", "foo"]))
        #expect(address.status == 2)
        #expect(address.errorOutput.hasPrefix("edge: The value 'foo' is invalid for '-a <mode:address>': not a dotted IPv4 address\n"))
    }

    @Test func aValidCommandLineRuns() throws {
        #expect(evaluateEdge(baseArguments).configuration != nil)
    }

    @Test func cliErrorsAreUsageErrors() {
        #expect(EdgeCLIError.invalidConfiguration("x").exitStatus == 2)
        #expect(EdgeCLIError.fatal("x").exitStatus == 2)
    }
}

/// A problem on a configuration-file line names the file and the line.
@Suite struct CLIEdgeConfigFileLineTests {
    static let head = "# edge\n\n-c=bench\n-l=10.0.0.1:7654\n"  // lines 1-4

    func error(_ file: String, _ extra: [String] = []) throws -> String {
        let exit = try #require(edgeExit(["e.conf"] + extra, files: ["e.conf": file]))
        #expect(exit.status == 2)
        return exit.errorOutput
    }

    @Test func badValueNamesItsLine() throws {
        let text = try error(Self.head + "-a=10.1.0.1\n-M=99999\n")
        #expect(text.hasPrefix("edge: e.conf:6: The value '99999' is invalid for '-M <mtu>': out of range 68...1967\n"))
    }

    @Test func badValueInEachLineFormNamesItsLine() throws {
        for (line, form) in ["-a foo", "-a=foo", "-afoo", "--nonexistent\n-a foo"].enumerated() {
            let text = try error(Self.head + form + "\n")
            let number = 5 + (form.hasPrefix("--") ? 1 : 0)
            #expect(text.contains("e.conf:\(number): The value 'foo' is invalid for '-a <mode:address>'"), "form \(line)")
        }
    }

    @Test func unsupportedCipherNamesItsLine() throws {
        let text = try error(Self.head + "-a=10.1.0.1\n-k=key\n-A9\n")
        #expect(text.hasPrefix("edge: e.conf:7: the cipher -A9 is not supported"))
    }

    @Test func badTapNameNamesItsLine() throws {
        let text = try error("-d=a/b\n" + Self.head + "-a=10.1.0.1\n")
        #expect(text.hasPrefix("edge: e.conf:1: bad TAP device name 'a/b' (-d)"))
    }

    @Test func aTapNameOverriddenOnTheCommandLineIsNotBlamedOnTheFile() throws {
        let exit = try #require(edgeExit(["e.conf", "-d", "x/y"], files: ["e.conf": "-d=n2n0\n" + Self.head + "-a=10.1.0.1\n"]))
        #expect(exit.errorOutput.hasPrefix("edge: bad TAP device name 'x/y' (-d)"))
    }

    @Test func missingValueNamesItsLine() throws {
        let text = try error(Self.head + "-a=10.1.0.1\n--pidfile\n")
        #expect(text.hasPrefix("edge: e.conf:6: option '--pidfile' requires a value"))
    }

    @Test func aBadValueOnTheCommandLineIsNotBlamedOnTheFile() throws {
        let text = try error(Self.head + "-a=10.1.0.1\n", ["-M", "99999"])
        #expect(text.hasPrefix("edge: The value '99999' is invalid for '-M <mtu>'"))
    }

    @Test func theFirstBadLineIsNamed() throws {
        let text = try error(Self.head + "-p=x\n-M=99999\n")
        #expect(text.hasPrefix("edge: e.conf:5: The value 'x' is invalid for '-p <local port>'"))
    }
}

@Suite struct CLIEdgePidFileTests {
    @Test(arguments: [
        (["--pidfile", "/run/edge.pid"], "/run/edge.pid"),
        (["--pidfile=/run/edge.pid"], "/run/edge.pid"),
        (["--pid", "/run/a.pid"], "/run/a.pid"),
        (["--pidfile", "-f"], "-f"),
        (["--pidfile", "rel.pid"], "rel.pid"),
        (["--pidfile", "/a", "--pidfile", "/b"], "/b"),
    ] as [([String], String)])
    func commandLineForms(_ extra: [String], _ expected: String) throws {
        let c = try #require(edgeConfig(baseArguments + extra))
        #expect(c.pidFile == expected)
        #expect(c.processSettings.pidFile == expected)
    }

    @Test func noPidFileByDefault() throws {
        #expect(try #require(edgeConfig(baseArguments)).pidFile == nil)
    }

    @Test(arguments: ["--pidfile=/run/e.pid", "--pidfile /run/e.pid", "--pidfile \"/run/e.pid\""])
    func configFileForms(_ line: String) throws {
        let file = "-c=bench\n-l=10.0.0.1:1\n-a=10.1.0.1\n\(line)\n"
        #expect(try #require(edgeConfig(["e.conf"], files: ["e.conf": file])).pidFile == "/run/e.pid")
    }

    @Test func commandLineOverridesTheFile() throws {
        let file = "-c=bench\n-l=10.0.0.1:1\n-a=10.1.0.1\n--pidfile=/run/file.pid\n"
        #expect(try #require(edgeConfig(["e.conf", "--pidfile", "/run/cli.pid"], files: ["e.conf": file])).pidFile
            == "/run/cli.pid")
    }

    @Test func emptyOrMissingIsAUsageError() throws {
        let empty = try #require(edgeExit(baseArguments + ["--pidfile="]))
        #expect(empty.errorOutput.hasPrefix("edge: the pid file name (--pidfile) is empty"))
        let missing = try #require(edgeExit(baseArguments + ["--pidfile"]))
        #expect(missing.errorOutput.hasPrefix("edge: option '--pidfile' requires a value"))
    }

    @Test func dashPIsStillTheLocalPort() throws {
        let c = try #require(edgeConfig(baseArguments + ["-p", "50001"]))
        #expect(c.localPort == 50001)
        #expect(c.pidFile == nil)
    }

    @Test func settingsCarryTheProcessOptions() throws {
        let c = try #require(edgeConfig(baseArguments + ["-f", "-u", "7", "-g", "8", "--pidfile", "/p"]))
        #expect(c.processSettings == ProcessSettings(identifier: "edge", foreground: true, userID: 7, groupID: 8,
                                                     pidFile: "/p", daemonFailure: .stayInForeground))
    }
}

import Glibc
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport
import Testing
@testable import Supernode

func evaluateSupernode(_ arguments: [String], files: [String: String] = [:]) -> CommandLineOutcome<SupernodeConfiguration> {
    SupernodeCommandLine.evaluate(
        arguments,
        readFile: { path throws(FileReadError) in
            guard let text = files[path] else { throw FileReadError(path: path, errno: ENOENT) }
            return text
        },
        columns: 100)
}

@Suite struct CLISupernodeCommandLineTests {
    @Test func noArgumentsPrintsHelpOnStandardErrorAndExitsTwo() throws {
        let exit = try #require(evaluateSupernode([]).exitRequest)
        #expect(exit.status == 2)
        #expect(exit.errorOutput.contains("USAGE: supernode <config file> [options]"))
        #expect(exit.output == "")
    }

    @Test(arguments: [["-h"], ["--help"], ["-f", "-h"], ["-fh"], ["-h", "-l", "x"]])
    func helpExitsZero(_ arguments: [String]) throws {
        let exit = try #require(evaluateSupernode(arguments).exitRequest)
        #expect(exit.status == 0)
        #expect(exit.output.contains("-c, --communities <path>"))
        #expect(exit.output.contains("-l, --local-port <local port>"))
    }

    @Test func version() throws {
        let exit = try #require(evaluateSupernode(["--version"]).exitRequest)
        #expect(exit.status == 0)
        #expect(exit.output == "supernode \(N2NVersion.string) - \(N2NVersion.protocolDescription)\n")
    }

    @Test func defaults() throws {
        let c = try #require(evaluateSupernode(["-f"]).configuration)
        var expected = SupernodeConfiguration()
        expected.foreground = true
        #expect(c == expected)
        #expect(c.localPort == 7654)
        #expect(c.managementPort == 5645)
        #expect(c.communityFile == nil)
        #expect(c.userID == nil && c.groupID == nil)
        #expect(c.verbosity == 2)
    }

    @Test func everyOption() throws {
        let c = try #require(evaluateSupernode(["-f", "-l", "1200", "-c", "community.list", "-u", "1000", "-g", "1001",
                                                "-t", "6000", "-vvv"]).configuration)
        #expect(c.foreground)
        #expect(c.localPort == 1200)
        #expect(c.communityFile == "community.list")
        #expect(c.userID == 1000 && c.groupID == 1001)
        #expect(c.managementPort == 6000)
        #expect(c.verbosity == 5)
    }

    @Test func longNames() throws {
        let c = try #require(evaluateSupernode(["--foreground", "--local-port=1200", "--communities", "x.list",
                                                "--mgmt-port", "6000", "--verbose", "--loc", "1300"]).configuration)
        #expect(c.foreground)
        #expect(c.localPort == 1300)
        #expect(c.communityFile == "x.list")
        #expect(c.managementPort == 6000)
        #expect(c.verbosity == 3)
    }

    @Test func captureCommandLines() throws {
        #expect(try #require(evaluateSupernode(["-f", "-l", "1200"]).configuration).localPort == 1200)
        let locked = try #require(evaluateSupernode(["-f", "-l", "1200", "-c", "community.list"]).configuration)
        #expect(locked.communityFile == "community.list")
    }

    @Test(arguments: [
        (["-l", "abc"], "'-l <local port>': not a decimal number"),
        (["-l", "70000"], "out of range 0...65535"),
        (["-l", ""], "not a decimal number"),
        (["-t", "x"], "'-t <mgmt port>'"),
        (["-u", "nobody"], "'-u <uid>': not a decimal number"),
        (["-g", "-5"], "'-g <gid>'"),
        (["-x"], "unknown option '-x'"),
        (["-k", "key"], "unknown option '-k'"),
        (["--euid=5"], "unknown option '--euid'"),
        (["-l"], "option '-l' requires a value"),
        (["-c"], "option '-c' requires a value"),
        (["--foreground=yes"], "option '--foreground' takes no value"),
        (["-f", "stray"], "unexpected argument 'stray'"),
        (["-c", ""], "the community file name (-c) is empty"),
        (["--broadcast-rate", "-1"], "'--broadcast-rate <copies>'"),
        (["--broadcast-burst", "0"], "out of range 1...1000000000"),
    ] as [([String], String)])
    func invalidExitsTwo(_ arguments: [String], _ message: String) throws {
        let exit = try #require(evaluateSupernode(arguments).exitRequest)
        #expect(exit.status == 2)
        #expect(exit.errorOutput.hasPrefix("supernode: "))
        #expect(exit.errorOutput.contains(message))
        #expect(exit.errorOutput.contains("USAGE: supernode"))
    }

    @Test func configFileForms() throws {
        let file = """
            # supernode
            -l 1200
            -c="community list"
            -f
            --mgmt-port=6000
            -v
            """
        let outcome = evaluateSupernode(["sn.conf", "-v"], files: ["sn.conf": file])
        let c = try #require(outcome.configuration)
        #expect(c.localPort == 1200)
        #expect(c.communityFile == "community list")
        #expect(c.foreground)
        #expect(c.managementPort == 6000)
        #expect(c.verbosity == 4)
        #expect(outcome.warnings == [])
    }

    /// The per-sender broadcast budget (issue 18) from the command line and a configuration file,
    /// and what the engine is given.
    @Test func broadcastBudget() throws {
        let defaults = try #require(evaluateSupernode(["-f"]).configuration)
        #expect(defaults.engineOptions(whitelist: nil).broadcastRate == SupernodeEngineOptions().broadcastRate)
        let file = "--broadcast-rate=5000\n--broadcast-burst 9000\n"
        let c = try #require(evaluateSupernode(["sn.conf", "--broadcast-rate", "0"], files: ["sn.conf": file]).configuration)
        #expect(c.broadcastRate == 0 && c.broadcastBurst == 9000)
        let options = c.engineOptions(whitelist: [Community("a")])
        #expect(options.broadcastRate == 0 && options.broadcastBurst == 9000 && options.whitelist?.count == 1)
        #expect(c.summary.contains("broadcast budget per sender: unlimited"))
        let fromFile = try #require(evaluateSupernode(["sn.conf"], files: ["sn.conf": file]).configuration)
        #expect(fromFile.broadcastRate == 5000)
        #expect(fromFile.summary.contains("5000 copies/s, burst 9000"))
    }

    /// 2.8's supernode dropped the first character of an attached value (`-l7654` meant 654).
    @Test func attachedValueKeepsItsFirstCharacter() throws {
        #expect(try #require(evaluateSupernode(["s.conf"], files: ["s.conf": "-l7654\n"]).configuration).localPort == 7654)
        #expect(try #require(evaluateSupernode(["s.conf"], files: ["s.conf": "-l=7655\n"]).configuration).localPort == 7655)
        #expect(try #require(evaluateSupernode(["s.conf"], files: ["s.conf": "--local-port 7656\n"]).configuration).localPort == 7656)
    }

    @Test func commandLineOverridesTheFile() throws {
        let c = try #require(evaluateSupernode(["s.conf", "-l", "2000"], files: ["s.conf": "-l=1000\n-t=6000\n"]).configuration)
        #expect(c.localPort == 2000)
        #expect(c.managementPort == 6000)
    }

    @Test func fileProblems() throws {
        let missing = try #require(evaluateSupernode(["nope.conf"]).exitRequest)
        #expect(missing.status == 2)
        #expect(missing.errorOutput.contains("cannot read 'nope.conf'"))
        let noValue = try #require(evaluateSupernode(["s.conf"], files: ["s.conf": "-f\n-c\n"]).exitRequest)
        #expect(noValue.status == 2)
        #expect(noValue.errorOutput.contains("s.conf:2: option '-c' requires a value"))
        let skipped = evaluateSupernode(["s.conf"], files: ["s.conf": "-f\nfoo bar\n-q\n"])
        #expect(skipped.configuration?.foreground == true)
        #expect(skipped.warnings == ["s.conf:2: skipping unrecognized line: foo bar", "s.conf:3: unknown option '-q' ignored"])
    }

    @Test func summaryMentionsTheEssentials() throws {
        let c = try #require(evaluateSupernode(["-l", "1200", "-c", "c.list"]).configuration)
        #expect(c.summary.contains("local port: 1200"))
        #expect(c.summary.contains("from c.list (locked)"))
    }
}

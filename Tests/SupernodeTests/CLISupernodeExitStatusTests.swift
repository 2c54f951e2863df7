import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport
import Testing
@testable import Supernode

/// Every way `supernode`'s command line can end before running: 0 for help and version, 2 for
/// usage or configuration errors (n2n 2.8 exited 1 for all of these).
@Suite struct CLISupernodeExitStatusTests {
    @Test(arguments: [["--help"], ["-h"], ["--version"], ["-f", "--version"]])
    func helpAndVersionExitZero(_ arguments: [String]) throws {
        let exit = try #require(evaluateSupernode(arguments).exitRequest)
        #expect(exit.status == ExitStatus.success)
        #expect(exit.errorOutput == "")
        #expect(!exit.output.isEmpty)
    }

    @Test(arguments: [
        [], ["-l", "99999"], ["-t", "x"], ["-x"], ["-f", "stray"], ["nope.conf"], ["--pidfile"], ["--pidfile="],
        ["-c", ""],
    ])
    func usageAndConfigurationErrorsExitTwo(_ arguments: [String]) throws {
        let exit = try #require(evaluateSupernode(arguments).exitRequest)
        #expect(exit.status == ExitStatus.usage)
        #expect(exit.output == "")
        #expect(!exit.errorOutput.isEmpty)
    }

    @Test func aValueErrorInTheFileNamesTheLine() throws {
        let exit = try #require(evaluateSupernode(["s.conf"], files: ["s.conf": "# sn\n-f\n-l=abc\n"]).exitRequest)
        #expect(exit.status == 2)
        #expect(exit.errorOutput.hasPrefix("supernode: s.conf:3: The value 'abc' is invalid for '-l <local port>': not a decimal number\n"))
        let cli = try #require(evaluateSupernode(["s.conf", "-t", "x"], files: ["s.conf": "-f\n"]).exitRequest)
        #expect(cli.errorOutput.hasPrefix("supernode: The value 'x' is invalid for '-t <mgmt port>'"))
    }

    @Test func pidFileForms() throws {
        #expect(try #require(evaluateSupernode(["-f", "--pidfile", "/run/sn.pid"]).configuration).pidFile == "/run/sn.pid")
        #expect(try #require(evaluateSupernode(["--pid=/run/sn.pid"]).configuration).pidFile == "/run/sn.pid")
        #expect(try #require(evaluateSupernode(["s.conf"], files: ["s.conf": "--pidfile /run/f.pid\n"]).configuration).pidFile
            == "/run/f.pid")
        #expect(try #require(evaluateSupernode(["-f"]).configuration).pidFile == nil)
        let empty = try #require(evaluateSupernode(["--pidfile="]).exitRequest)
        #expect(empty.errorOutput.hasPrefix("supernode: the pid file name (--pidfile) is empty"))
    }

    @Test func settingsCarryTheProcessOptions() throws {
        let c = try #require(evaluateSupernode(["-u", "5", "--pidfile", "/p"]).configuration)
        #expect(c.processSettings == ProcessSettings(identifier: "supernode", foreground: false, userID: 5, groupID: nil,
                                                     pidFile: "/p", daemonFailure: .fail))
    }

    @Test func startupLineNamesPortsAndCommunities() throws {
        let open = try #require(evaluateSupernode(["-l", "1200"]).configuration)
        #expect(open.startupLine(port: 1200, managementPort: 5645, whitelist: nil)
            == "supernode \(N2NVersion.string) started: UDP port 1200, management 127.0.0.1:5645, communities open (any community may register)")
        let locked = try #require(evaluateSupernode(["-c", "/etc/n2n/community.list"]).configuration)
        #expect(locked.startupLine(port: 7654, managementPort: 5645, whitelist: [Community("a"), Community("b")])
            .hasSuffix("communities 2 allowed from /etc/n2n/community.list (locked)"))
        // An unreadable -c file leaves the supernode open, and the line says so.
        #expect(locked.startupLine(port: 7654, managementPort: 5645, whitelist: nil).hasSuffix("communities open (any community may register)"))
    }
}

import Glibc
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport
import Testing
@testable import Edge

/// A minimal valid command line.
let baseArguments = ["-c", "bench", "-l", "10.250.0.254:1200", "-a", "192.168.250.1"]

/// Evaluates an edge command line with an injected environment and in-memory files.
func evaluateEdge(
    _ arguments: [String], environment: [String: String] = [:], files: [String: String] = [:]
) -> CommandLineOutcome<EdgeConfiguration> {
    EdgeCommandLine.evaluate(
        arguments, environment: environment,
        readFile: { path throws(FileReadError) in
            guard let text = files[path] else { throw FileReadError(path: path, errno: ENOENT) }
            return text
        },
        columns: 100)
}

/// The configuration, or a recorded issue naming the exit that happened instead.
func edgeConfig(
    _ arguments: [String], environment: [String: String] = [:], files: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) -> EdgeConfiguration? {
    let outcome = evaluateEdge(arguments, environment: environment, files: files)
    if let exit = outcome.exitRequest {
        Issue.record("expected a configuration, got exit \(exit.status): \(exit.errorOutput)", sourceLocation: sourceLocation)
    }
    return outcome.configuration
}

/// The exit, or a recorded issue if the command line was accepted.
func edgeExit(
    _ arguments: [String], environment: [String: String] = [:], files: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) -> CommandLineExit? {
    let outcome = evaluateEdge(arguments, environment: environment, files: files)
    if outcome.configuration != nil {
        Issue.record("expected an exit, got a configuration", sourceLocation: sourceLocation)
    }
    return outcome.exitRequest
}

/// The shared test data directory: /work/shared, or ../shared beside the repository.
func sharedDirectory(filePath: String = #filePath) -> String? {
    var repo = filePath
    for _ in 0..<3 {  // Tests/EdgeTests/<file> -> repository root
        guard let slash = repo.lastIndex(of: "/") else { return nil }
        repo = String(repo[..<slash])
    }
    let parent = repo.lastIndex(of: "/").map { String(repo[..<$0]) } ?? "."
    for candidate in ["/work/shared", parent + "/shared"] where access(candidate + "/testvectors", F_OK) == 0 {
        return candidate
    }
    return nil
}

@Suite struct CLIEdgeDefaultsTests {
    @Test func defaultsAreN2N28s() throws {
        let outcome = evaluateEdge(baseArguments)
        let c = try #require(outcome.configuration)
        #expect(outcome.warnings == [])
        #expect(c.communityName == "bench")
        #expect(c.community == Community("bench"))
        #expect(c.supernodes == [SupernodeAddress(host: "10.250.0.254", port: 1200)])
        #expect(c.tapName == "edge0")
        #expect(c.tapAddress == TapAddress(mode: .static, ipv4: 0xC0A8_FA01))
        #expect(c.netmask == 0xFFFF_FF00)
        #expect(c.mtu == 1290)
        #expect(c.mac == nil)
        #expect(c.key == nil)
        #expect(c.transform == .null)
        #expect(c.compression == CompressionID.none)
        #expect(!c.headerEncryption && !c.acceptMulticast && !c.allowRouting && !c.pmtuDiscovery && !c.foreground)
        #expect(c.allowP2P)
        #expect(c.registerTTL == 0)
        #expect(c.localPort == 0)
        #expect(c.managementPort == 5644)
        #expect(c.registerInterval == 20)
        #expect(c.tos == nil)
        #expect(c.routes == [])
        #expect(c.userID == nil && c.groupID == nil)
        #expect(c.verbosity == 2)
    }

    @Test func defaultInitMatchesParsedDefaults() throws {
        var manual = EdgeConfiguration()
        manual.community = Community("bench")
        manual.supernodes = [SupernodeAddress(host: "10.250.0.254", port: 1200)]
        manual.tapAddress = TapAddress(mode: .static, ipv4: 0xC0A8_FA01)
        #expect(try #require(edgeConfig(baseArguments)) == manual)
    }
}

@Suite struct CLIEdgeFlagFormTests {
    @Test(arguments: [
        (["-A1"], TransformID.twofish),  // a key forces Twofish over null (spec 5.2)
        (["-A2"], .twofish), (["-A3"], .aesCBC), (["-A4"], .chacha20), (["-A5"], .speckCTR),
        (["-A"], .aesCBC), ([], .twofish), (["-A5", "-A2"], .twofish), (["-A2", "-A"], .aesCBC),
        (["-fA4"], .chacha20), (["-A03"], .aesCBC),
    ] as [([String], TransformID)])
    func cipherWithKey(_ extra: [String], _ expected: TransformID) throws {
        let c = try #require(edgeConfig(baseArguments + ["-k", "n2n-test-key"] + extra))
        #expect(c.transform == expected)
        #expect(c.key == "n2n-test-key")
    }

    @Test func nullCipherWithoutKey() throws {
        #expect(try #require(edgeConfig(baseArguments + ["-A1"])).transform == .null)
    }

    @Test func bareAIsDeprecatedAndForcingTwofishIsSaid() throws {
        let bare = evaluateEdge(baseArguments + ["-k", "x", "-A"])
        #expect(bare.warnings.contains("a bare -A is deprecated; it means -A3 (AES-CBC)"))
        let forced = evaluateEdge(baseArguments + ["-k", "x", "-A1"])
        #expect(forced.warnings.contains("switching to Twofish as a key was provided"))
    }

    @Test(arguments: [
        (["-z"], CompressionID.lzo), (["-z1"], .lzo), (["-z2"], .zstd), (["-z2", "-z"], .lzo), (["-Ez2"], .zstd),
    ] as [([String], CompressionID)])
    func compression(_ extra: [String], _ expected: CompressionID) throws {
        #expect(try #require(edgeConfig(baseArguments + extra)).compression == expected)
    }

    @Test(arguments: [
        ([], 2), (["-v"], 3), (["-vvv"], 5), (["-v", "-v"], 4), (["--verbose"], 3), (["--verbose", "-vv"], 5),
        (["-vfv"], 4), (["--verb"], 3),
    ] as [([String], Int)])
    func verbosity(_ extra: [String], _ expected: Int) throws {
        #expect(try #require(edgeConfig(baseArguments + extra)).verbosity == expected)
    }

    @Test func everyOption() throws {
        let c = try #require(edgeConfig([
            "-d", "n2n0", "-a", "static:10.1.2.3", "-c", "bench", "-k", "key", "-s", "255.255.0.0",
            "-u", "1000", "-g", "1001", "-f", "-T", "0x48", "-n", "10.8.0.0/16:10.1.0.254",
            "-n", "172.16.0.0/12:10.1.0.253", "-m", "02:00:00:00:fa:01", "-l", "sn1.example.net:7654",
            "-l", "10.0.0.2:7655", "-p", "50001", "-M", "1400", "-D", "-r", "-E", "-v", "-i", "5",
            "-L", "3", "-t", "5650", "-A5", "-H", "-z2", "-S", "-b",
        ]))
        #expect(c.tapName == "n2n0")
        #expect(c.tapAddress == TapAddress(mode: .static, ipv4: 0x0A01_0203))
        #expect(c.key == "key")
        #expect(c.netmask == 0xFFFF_0000)
        #expect(c.userID == 1000 && c.groupID == 1001)
        #expect(c.foreground)
        #expect(c.tos == 0x48)
        #expect(c.routes == [
            EdgeRoute(network: 0x0A08_0000, prefixLength: 16, gateway: 0x0A01_00FE),
            EdgeRoute(network: 0xAC10_0000, prefixLength: 12, gateway: 0x0A01_00FD),
        ])
        #expect(c.mac == MACAddress(0x02, 0, 0, 0, 0xFA, 0x01))
        #expect(c.supernodes == [
            SupernodeAddress(host: "sn1.example.net", port: 7654), SupernodeAddress(host: "10.0.0.2", port: 7655),
        ])
        #expect(c.localPort == 50001)
        #expect(c.mtu == 1400)
        #expect(c.pmtuDiscovery && c.allowRouting && c.acceptMulticast && c.headerEncryption)
        #expect(!c.allowP2P)
        #expect(c.verbosity == 3)
        #expect(c.registerInterval == 5)
        #expect(c.registerTTL == 3)
        #expect(c.managementPort == 5650)
        #expect(c.transform == .speckCTR)
        #expect(c.compression == .zstd)
    }

    @Test func bIsAcceptedAndIgnoredWithAWarning() throws {
        let outcome = evaluateEdge(baseArguments + ["-b"])
        var expected = try #require(evaluateEdge(baseArguments).configuration)
        expected.verbosity = 2
        #expect(outcome.configuration == expected)
        #expect(outcome.warnings.contains { $0.hasPrefix("-b is ignored") })
    }

    @Test func longNames() throws {
        let c = try #require(edgeConfig([
            "--community=bench", "--supernode-list", "10.0.0.1:7654", "--tun-device=n2n1", "--euid", "7",
            "--egid=8", "-a", "10.1.0.1", "--verbose",
        ]))
        #expect(c.communityName == "bench")
        #expect(c.supernodes == [SupernodeAddress(host: "10.0.0.1", port: 7654)])
        #expect(c.tapName == "n2n1")
        #expect(c.userID == 7 && c.groupID == 8)
        #expect(c.verbosity == 3)
    }

    @Test func longNamesMayBeAbbreviatedLikeGetoptLong() throws {
        let c = try #require(edgeConfig(["--comm", "bench", "--super=10.0.0.1:7654", "--tun", "n2n1", "-a", "10.1.0.1"]))
        #expect(c.communityName == "bench")
        #expect(c.tapName == "n2n1")
        let ambiguous = try #require(edgeExit(baseArguments + ["--e", "5"]))
        #expect(ambiguous.status == 2)
        #expect(ambiguous.errorOutput.contains("option '--e' is ambiguous"))
    }

    @Test func attachedValuesAndDashValues() throws {
        let c = try #require(edgeConfig(["-cbench", "-l10.0.0.1:7654", "-a10.1.0.1", "-k", "-secret", "-p50001"]))
        #expect(c.communityName == "bench")
        #expect(c.key == "-secret")
        #expect(c.localPort == 50001)
        #expect(try #require(edgeConfig(baseArguments + ["-k", "--"])).key == "--")
        #expect(try #require(edgeConfig(["-c", "-h", "-l", "10.0.0.1:1", "-a", "10.1.0.1"])).communityName == "-h")
    }

    @Test func lastValueWins() throws {
        let c = try #require(edgeConfig(baseArguments + ["-c", "other", "-p", "1", "-p", "2", "-f", "-f"]))
        #expect(c.communityName == "other")
        #expect(c.localPort == 2)
        #expect(c.foreground)
    }

    @Test func tosForms() throws {
        #expect(try #require(edgeConfig(baseArguments + ["-T", "72"])).tos == 72)
        #expect(try #require(edgeConfig(baseArguments + ["-T", "0x48"])).tos == 0x48)
        #expect(try #require(edgeConfig(baseArguments + ["-T", "0XfF"])).tos == 0xFF)
        #expect(try #require(edgeConfig(baseArguments + ["-T", "0"])).tos == 0)
    }

    @Test func dhcpMode() throws {
        let outcome = evaluateEdge(["-c", "bench", "-l", "10.0.0.1:7654", "-a", "dhcp:0.0.0.0"])
        #expect(outcome.configuration?.tapAddress == TapAddress(mode: .dhcp, ipv4: 0))
        #expect(outcome.warnings.contains { $0.hasPrefix("DHCP mode without -r") })
        let withR = evaluateEdge(["-c", "bench", "-l", "10.0.0.1:7654", "-a", "dhcp:0.0.0.0", "-r"])
        #expect(withR.warnings == [])
    }

    @Test func communityIsTruncatedTo15Bytes() throws {
        let outcome = evaluateEdge(["-c", "abcdefghijklmnopqrstuvwxyz", "-l", "10.0.0.1:1", "-a", "10.1.0.1"])
        let c = try #require(outcome.configuration)
        #expect(c.communityName == "abcdefghijklmno")
        #expect(c.community.bytes == Array("abcdefghijklmno".utf8) + [0])
        #expect(outcome.warnings == ["community name truncated to 15 bytes: 'abcdefghijklmno'"])
    }

    @Test func keyEqualToCommunityWarns() {
        let outcome = evaluateEdge(baseArguments + ["-k", "bench"])
        #expect(outcome.warnings.contains("the community and the encryption key must differ, otherwise security is compromised"))
    }

    @Test func multipleNetmasksWarn() throws {
        let outcome = evaluateEdge(baseArguments + ["-s", "255.255.0.0", "-s", "255.0.0.0"])
        #expect(outcome.configuration?.netmask == 0xFF00_0000)
        #expect(outcome.warnings.contains("multiple subnet masks (-s) supplied; the last one is used"))
    }
}

@Suite struct CLIEdgeEnvironmentTests {
    @Test func n2nKeyGivesKeyAndTwofish() throws {
        let c = try #require(edgeConfig(baseArguments, environment: ["N2N_KEY": "envkey"]))
        #expect(c.key == "envkey")
        #expect(c.transform == .twofish)
    }

    @Test func dashKOverridesN2NKey() throws {
        #expect(try #require(edgeConfig(baseArguments + ["-k", "cli"], environment: ["N2N_KEY": "env"])).key == "cli")
    }

    @Test func n2nKeyWithCiphers() throws {
        #expect(try #require(edgeConfig(baseArguments + ["-A3"], environment: ["N2N_KEY": "k"])).transform == .aesCBC)
        // -A1 with a key present is switched to Twofish, as in n2n 2.8.
        #expect(try #require(edgeConfig(baseArguments + ["-A1"], environment: ["N2N_KEY": "k"])).transform == .twofish)
    }

    @Test func otherVariablesAreIgnored() throws {
        let c = try #require(edgeConfig(baseArguments, environment: ["N2N_KEYS": "x", "KEY": "y"]))
        #expect(c.key == nil)
        #expect(c.transform == .null)
    }

    @Test func emptyN2NKeyIsAKeyAsInN2N() {
        let outcome = evaluateEdge(baseArguments, environment: ["N2N_KEY": ""])
        #expect(outcome.configuration?.key == "")
        #expect(outcome.configuration?.transform == .twofish)
        #expect(outcome.warnings.contains("the encryption key is empty"))
    }
}

@Suite struct CLIEdgeHelpTests {
    @Test(arguments: [["-h"], ["--help"], ["--he"], baseArguments + ["-h"], ["-fh"], ["-h", "-A9"], ["-p", "x", "-h"]])
    func helpExitsZeroOnStandardOutput(_ arguments: [String]) throws {
        let exit = try #require(edgeExit(arguments))
        #expect(exit.status == 0)
        #expect(exit.errorOutput == "")
        #expect(exit.output.contains("USAGE: edge <config file> [options]"))
        #expect(exit.output.contains("-A <cipher>"))
        #expect(exit.output.contains("-l, --supernode-list <supernode host:port>"))
        #expect(exit.output.contains("N2N_KEY"))
    }

    @Test func noArgumentsPrintsHelpOnStandardErrorAndExitsTwo() throws {
        let exit = try #require(edgeExit([]))
        #expect(exit.status == 2)
        #expect(exit.output == "")
        #expect(exit.errorOutput.contains("USAGE: edge"))
    }

    @Test func version() throws {
        let exit = try #require(edgeExit(["--version"]))
        #expect(exit.status == 0)
        #expect(exit.output == "edge \(N2NVersion.string) - \(N2NVersion.protocolDescription)\n")
    }
}

/// Invalid or incomplete configurations: the usage, and exit 2 (n2n 2.8 exited 0).
@Suite struct CLIEdgeInvalidConfigurationTests {
    @Test(arguments: [
        (["-p", "abc"], "'-p <local port>': not a decimal number"),
        (["-p", "70000"], "'-p <local port>': out of range 0...65535"),
        (["-p", "-1"], "out of range"),
        (["-p", ""], "not a decimal number"),
        (["-t", "x"], "'-t <mgmt port>'"),
        (["-t", "65536"], "out of range"),
        (["-i", "0"], "'-i <reg_interval>': out of range 1..."),
        (["-i", "x"], "'-i <reg_interval>'"),
        (["-L", "256"], "'-L <reg_ttl>': out of range 0...255"),
        (["-L", "-1"], "'-L <reg_ttl>'"),
        (["-M", "10"], "'-M <mtu>': out of range 68...1967"),
        (["-M", "9000"], "out of range 68...1967"),
        (["-M", "1k"], "not a decimal number"),
        (["-m", "zz"], "'-m <MAC address>': expected six hex octets"),
        (["-m", "02:00:00:00:00"], "expected six hex octets"),
        (["-m", "01:00:5e:00:00:01"], "multicast/broadcast"),
        (["-m", "ff:ff:ff:ff:ff:ff"], "multicast/broadcast"),
        (["-m", "00:00:00:00:00:00"], "all-zero"),
        (["-a", "300.1.1.1"], "'-a <mode:address>': not a dotted IPv4 address"),
        (["-a", "10.0.0"], "not a dotted IPv4 address"),
        (["-a", "host.example"], "not a dotted IPv4 address"),
        (["-a", "foo:1.2.3.4"], "unknown address mode 'foo'"),
        (["-a", "224.0.0.1"], "multicast or broadcast"),
        (["-a", "dhcp:"], "not a dotted IPv4 address"),
        (["-s", "255.0.255.0"], "'-s <netmask>': the one bits of a netmask must be contiguous"),
        (["-s", "x"], "not a dotted netmask"),
        (["-s", "/24"], "not a dotted netmask"),
        (["-n", "10.0.0.0/8"], "'-n <cidr:gateway>': expected <network>/<prefix length>:<gateway>"),
        (["-n", "10.0.0.0:1.1.1.1"], "expected <network>/<prefix length>:<gateway>"),
        (["-n", "10.0.0.1/8:1.1.1.1"], "has host bits set (the network is 10.0.0.0/8)"),
        (["-n", "10.0.0.0/33:1.1.1.1"], "bad prefix length '33'"),
        (["-n", "10.0.0.0/x:1.1.1.1"], "bad prefix length 'x'"),
        (["-n", "10.0.0/8:1.1.1.1"], "bad network '10.0.0'"),
        (["-n", "10.0.0.0/8:gw"], "bad gateway 'gw'"),
        (["-n", "10.0.0.0/8:255.255.255.255"], "broadcast or multicast"),
        (["-T", "0x1FF"], "'-T <tos>': expected a number 0...255"),
        (["-T", "256"], "expected a number 0...255"),
        (["-T", "0xZZ"], "expected a number 0...255"),
        (["-T", "0x"], "expected a number 0...255"),
        (["-u", "root"], "'-u <uid>': not a decimal number"),
        (["-u", "-1"], "'-u <uid>'"),
        (["-g", "4294967295"], "'-g <gid>': out of range"),
        (["-l", "nohostport"], "'-l <supernode host:port>': expected <host>:<port>"),
        (["-l", "host:0"], "bad port '0'"),
        (["-l", "host:99999"], "bad port '99999'"),
        (["-l", "host:port"], "bad port 'port'"),
        (["-l", ":7654"], "the host name is empty"),
        (["-l", "a:b:c"], "expected <host>:<port>"),
        (["-d", ""], "bad TAP device name ''"),
        (["-d", "a/b"], "bad TAP device name 'a/b'"),
        (["-d", "sixteencharsname"], "at most 15 bytes"),
        (["-c", ""], "no community given (-c <community>)"),
        (["-x"], "unknown option '-x'"),
        (["--foo"], "unknown option '--foo'"),
        (["--verbose=2"], "option '--verbose' takes no value"),
        (["-k"], "option '-k' requires a value"),
        (["--community"], "option '--community' requires a value"),
        (["extra"], "unexpected argument 'extra'"),
        (["-A", "2"], "unexpected argument '2' (-A takes its value attached: write -A2)"),
        (["-z", "2"], "unexpected argument '2' (-z takes its value attached: write -z2)"),
        (["-A3"], "the AES-CBC cipher (-A3) needs a key: give -k <key> or set N2N_KEY"),
        (["-A2"], "the Twofish cipher (-A2) needs a key"),
        (["-A"], "the AES-CBC cipher (-A3) needs a key"),
    ] as [([String], String)])
    func badValue(_ extra: [String], _ message: String) throws {
        let exit = try #require(edgeExit(baseArguments + extra))
        #expect(exit.status == 2)
        #expect(exit.output == "")
        #expect(exit.errorOutput.contains(message))
        #expect(exit.errorOutput.contains("USAGE: edge"))
        #expect(exit.errorOutput.contains("See 'edge -h' for all options."))
    }

    @Test(arguments: [
        (["-l", "10.0.0.1:7654", "-a", "10.1.0.1"], "no community given (-c <community>)"),
        (["-c", "bench", "-a", "10.1.0.1"], "no supernode given (-l <host:port>)"),
        (["-c", "bench", "-l", "10.0.0.1:7654"], "no TAP address given (-a [static:|dhcp:]<IPv4 address>)"),
        (["-f"], "no community given"),
    ] as [([String], String)])
    func incomplete(_ arguments: [String], _ message: String) throws {
        let exit = try #require(edgeExit(arguments))
        #expect(exit.status == 2)
        #expect(exit.errorOutput.hasPrefix("edge: \(message)"))
    }

    @Test func errorLineComesFirstThenUsage() throws {
        let exit = try #require(edgeExit(baseArguments + ["-p", "abc"]))
        let lines = exit.errorOutput.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "edge: The value 'abc' is invalid for '-p <local port>': not a decimal number")
        #expect(lines.count > 3 && lines[1] == "" && lines[2].hasPrefix("USAGE: edge <config file> [options]"))
    }
}

/// Unsupported -A/-z values and a third supernode: exit 2 (n2n 2.8 exited 1), no usage (spec 8.1).
@Suite struct CLIEdgeFatalTests {
    @Test(arguments: [
        (["-A9"], "the cipher -A9 is not supported"),
        (["-A0"], "the cipher -A0 is not supported"),
        (["-Afoo"], "the cipher -Afoo is not supported"),
        (["-A=3"], "the cipher -A=3 is not supported"),
        (["-A65537"], "the cipher -A65537 is not supported"),
        (["-z5"], "the compression -z5 is not supported: use -z1 (LZO) or -z2 (zstd)"),
        (["-z0"], "the compression -z0 is not supported"),
        (["-z3"], "the compression -z3 is not supported"),
        (["-zx"], "the compression -zx is not supported"),
        (["-l", "10.0.0.2:1", "-l", "10.0.0.3:1"], "too many supernodes: at most two -l (command line)"),
        (["-n", "0.0.0.0/0:10.1.0.254", "-l", "10.0.0.2:1"],
         "a default route (-n 0.0.0.0/0:<gateway>) needs exactly one supernode"),
    ] as [([String], String)])
    func exitsTwoWithoutUsage(_ extra: [String], _ message: String) throws {
        let exit = try #require(edgeExit(baseArguments + ["-k", "key"] + extra))
        #expect(exit.status == 2)
        #expect(exit.output == "")
        #expect(exit.errorOutput.contains("edge: \(message)"))
        #expect(!exit.errorOutput.contains("USAGE"))
    }

    @Test func fatalWinsOverLaterValueErrorsAsIn28() throws {
        // 2.8 stops while parsing -A9, before anything is validated.
        let exit = try #require(edgeExit(["-A9", "-p", "x"]))
        #expect(exit.status == 2)
        #expect(exit.errorOutput.hasPrefix("edge: the cipher -A9 is not supported"))
    }

    @Test func defaultRouteWithOneSupernodeIsFine() throws {
        let c = try #require(edgeConfig(baseArguments + ["-n", "0.0.0.0/0:192.168.250.254"]))
        #expect(c.routes.first?.isDefaultRoute == true)
    }

    @Test func validateCatchesProgrammaticConfigurations() {
        var c = EdgeConfiguration()
        c.community = Community("x")
        c.tapAddress = TapAddress(mode: .static, ipv4: 1)
        c.supernodes = Array(repeating: SupernodeAddress(host: "a", port: 1), count: 3)
        #expect(throws: EdgeCLIError.fatal("too many supernodes (3); at most two -l")) { try c.validate() }
        c.supernodes = [SupernodeAddress(host: "a", port: 1)]
        c.key = "k"
        #expect(throws: EdgeCLIError.invalidConfiguration("a key is given but the cipher is null")) { try c.validate() }
        c.transform = .twofish
        c.mtu = 20000
        #expect(throws: EdgeCLIError.self) { try c.validate() }
        c.mtu = 1290
        #expect(throws: Never.self) { try c.validate() }
    }
}

/// Whatever the arguments, evaluation ends in a configuration or an exit with status 0 or 2.
@Suite struct CLIEdgeRobustnessTests {
    static let vocabulary = [
        "-c", "bench", "-l", "1.2.3.4:5", "-a", "10.0.0.1", "-A", "-A3", "-A9", "-z", "-z2", "-k", "",
        "-", "--", "---", "-=", "--=", "-vvvvvvvv", "-h", "x", "-p", "-1", "65535", "-n", "0.0.0.0/0:1.1.1.1",
        "-M", "--comm", "--e", "-T", "0x", "-m", "02:00:00:00:00:01", "-s", "255.255.255.255", "-i", "9999999999999999999999",
        "-L", "-u", "-g", "-d", "edge0", "-E", "-S", "-H", "-D", "-r", "-f", "-b", "-t", "é", "\u{0}", "-\u{0}",
        "dhcp:0.0.0.0", "-A\u{0}", "--community=", "-kk", "-cc",
    ]

    @Test func randomCommandLinesNeverCrash() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(Self.vocabulary.count))
        }
        var runs = 0, exits = 0
        for i in 0..<200 {
            // Half start from a valid command line and add a little, half are pure noise.
            let prefix = i % 2 == 0 ? baseArguments : []
            let count = i % 2 == 0 ? next() % 3 : next() % 12
            let args = prefix + (0..<count).map { _ in Self.vocabulary[next()] }
            switch evaluateEdge(args, files: ["x": "-c=bench\n-A\n-k\n"]) {
            case let .run(configuration, _):
                runs += 1
                // A configuration that runs names a community and at least one supernode.
                #expect(!configuration.communityName.isEmpty, "\(args)")
                #expect(!configuration.supernodes.isEmpty, "\(args)")
            case let .exit(e):
                exits += 1
                #expect(e.status == 0 || e.status == 2, "\(args)")
                #expect(!e.output.isEmpty || !e.errorOutput.isEmpty, "\(args)")
            }
        }
        // Both outcomes were exercised: the vocabulary reaches runs and refusals alike.
        #expect(runs > 0 && exits > 0)
    }
}

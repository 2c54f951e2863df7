import Glibc
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport
import Testing
@testable import Edge

@Suite struct CLIEdgeConfigFileTests {
    /// The sample of spec 8.3.
    @Test func specSample() throws {
        let file = """
            -d=n2n0
            -c=mynetwork
            -k=mypassword
            -a=1.2.3.4
            -p=50001
            -l=7.8.9.0:7777
            -A5
            -H

            """
        let c = try #require(edgeConfig(["edge.conf"], files: ["edge.conf": file]))
        #expect(c.tapName == "n2n0")
        #expect(c.communityName == "mynetwork")
        #expect(c.key == "mypassword")
        #expect(c.tapAddress == TapAddress(mode: .static, ipv4: 0x0102_0304))
        #expect(c.localPort == 50001)
        #expect(c.supernodes == [SupernodeAddress(host: "7.8.9.0", port: 7777)])
        #expect(c.transform == .speckCTR)
        #expect(c.headerEncryption)
    }

    /// `-x value` made n2n 2.8's edge dereference a null value (spec 10.4 item 32).
    @Test func spacedShortOptionsDoNotCrash() throws {
        let file = """
            -d n2n0
            -c mynetwork
            -k my pass phrase
            -a 10.1.0.1
            -l 10.0.0.1:7654
            -i 5
            -L 2
            -z 2
            -A 3
            """
        let c = try #require(edgeConfig(["e.conf"], files: ["e.conf": file]))
        #expect(c.tapName == "n2n0")
        #expect(c.communityName == "mynetwork")
        #expect(c.key == "my pass phrase")
        #expect(c.registerInterval == 5)
        #expect(c.registerTTL == 2)
        #expect(c.compression == .zstd)
        #expect(c.transform == .aesCBC)
    }

    @Test func longFormsQuotesAndComments() throws {
        let file = """
            # edge configuration
              --community="my net"
            --supernode-list 10.0.0.1:7654
            --supernode-list=10.0.0.2:7654
            '--tun-device=n2n7'
            -a="static:10.1.0.1"
            --euid 1000
            --egid=1000
            --verbose
            -vv
            -k='secret'
            -A
            -z
            -f
            -E\r
            """
        let outcome = evaluateEdge(["e.conf"], files: ["e.conf": file])
        let c = try #require(outcome.configuration)
        #expect(c.communityName == "my net")
        #expect(c.supernodes.map(\.host) == ["10.0.0.1", "10.0.0.2"])
        #expect(c.tapName == "n2n7")
        #expect(c.tapAddress == TapAddress(mode: .static, ipv4: 0x0A01_0001))
        #expect(c.userID == 1000 && c.groupID == 1000)
        #expect(c.verbosity == 5)
        #expect(c.key == "secret")
        #expect(c.transform == .aesCBC)
        #expect(c.compression == .lzo)
        #expect(c.foreground && c.acceptMulticast)
        #expect(outcome.warnings == ["a bare -A is deprecated; it means -A3 (AES-CBC)"])
    }

    @Test func skippedLinesAreWarnedAbout() throws {
        let file = "-c=bench\nthis is not an option\n-l=10.0.0.1:1\n-q=1\n-a=10.1.0.1\n"
        let outcome = evaluateEdge(["e.conf"], files: ["e.conf": file])
        #expect(outcome.configuration?.communityName == "bench")
        #expect(outcome.warnings == [
            "e.conf:2: skipping unrecognized line: this is not an option",
            "e.conf:4: unknown option '-q' ignored",
        ])
    }

    @Test func commandLineOverridesTheFile() throws {
        let file = "-c=filenet\n-l=10.0.0.1:1\n-a=10.1.0.1\n-p=1000\n-v\n-A2\n-k=filekey\n"
        let c = try #require(edgeConfig(
            ["e.conf", "-c", "clinet", "-p", "2000", "-v", "-A5", "-k", "clikey"], files: ["e.conf": file]))
        #expect(c.communityName == "clinet")
        #expect(c.localPort == 2000)
        #expect(c.verbosity == 4)  // -v accumulates
        #expect(c.transform == .speckCTR)
        #expect(c.key == "clikey")
        #expect(c.supernodes.count == 1)
        #expect(c.tapAddress?.ipv4 == 0x0A01_0001)
    }

    @Test func supernodesAccumulateAcrossFileAndCommandLine() throws {
        let file = "-c=bench\n-l=10.0.0.1:1\n-a=10.1.0.1\n"
        #expect(try #require(edgeConfig(["e.conf", "-l", "10.0.0.2:2"], files: ["e.conf": file])).supernodes.count == 2)
        let exit = try #require(edgeExit(["e.conf", "-l", "10.0.0.2:2", "-l", "10.0.0.3:3"], files: ["e.conf": file]))
        #expect(exit.status == 2)
        #expect(exit.errorOutput.contains("too many supernodes"))
    }

    @Test func aValueOptionWithoutValueIsAnErrorNotACrash() throws {
        let exit = try #require(edgeExit(["e.conf"], files: ["e.conf": "-c=bench\n-k\n-l=10.0.0.1:1\n-a=10.1.0.1\n"]))
        #expect(exit.status == 2)
        #expect(exit.errorOutput.contains("edge: e.conf:2: option '-k' requires a value"))
        let long = try #require(edgeExit(["e.conf"], files: ["e.conf": "--community\n"]))
        #expect(long.errorOutput.contains("e.conf:1: option '--community' requires a value"))
    }

    @Test func unsupportedCipherInTheFileExitsTwo() throws {
        let exit = try #require(edgeExit(["e.conf"], files: ["e.conf": "-A7\n"]))
        #expect(exit.status == 2)
        #expect(exit.errorOutput.contains("e.conf:1: the cipher -A7 is not supported"))
    }

    @Test func unreadableFile() throws {
        let exit = try #require(edgeExit(["missing.conf", "-f"]))
        #expect(exit.status == 2)
        #expect(exit.errorOutput.contains("edge: configuration file: cannot read 'missing.conf': No such file or directory"))
    }

    @Test func helpInTheFile() throws {
        let exit = try #require(edgeExit(["e.conf"], files: ["e.conf": "-h\n"]))
        #expect(exit.status == 0)
        #expect(exit.output.contains("USAGE: edge"))
    }

    @Test func onlyTheFirstArgumentIsAFile() throws {
        let exit = try #require(edgeExit(baseArguments + ["e.conf"], files: ["e.conf": ""]))
        #expect(exit.errorOutput.contains("unexpected argument 'e.conf'"))
    }

    @Test func readsARealFile() throws {
        let path = "/tmp/swift-n2n-cli-test-\(getpid()).conf"
        let text = "-c=bench\n-l=10.0.0.1:7654\n-a=10.1.0.1\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { unlink(path) }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let outcome = EdgeCommandLine.evaluate([path], environment: [:])
        #expect(outcome.configuration?.communityName == "bench")
    }
}

/// The command lines of the reference captures (testvectors/n2n-2.8/*.cmd) parse to the
/// configurations the captures were made with.
@Suite struct CLIEdgeCaptureCommandLineTests {
    static func edgeLines() -> [(file: String, arguments: [String])] {
        guard let shared = sharedDirectory() else { return [] }
        let dir = shared + "/testvectors/n2n-2.8"
        var result: [(String, [String])] = []
        for name in ["a1-null", "a1-lzo", "a1-zstd", "a2-twofish", "a3-aes", "a4-chacha20", "a5-speck",
                     "h-a1-header-enc", "h-a3-header-enc-aes"] {
            guard let text = try? TextFile.read("\(dir)/\(name).cmd") else { continue }
            for line in text.split(separator: "\n") {
                guard let range = line.firstRange(of: ": edge ") else { continue }
                result.append((name, line[range.upperBound...].split(separator: " ").map(String.init)))
            }
        }
        return result
    }

    @Test func everyCaptureCommandLineParses() throws {
        let lines = Self.edgeLines()
        try #require(lines.count == 27, "expected 3 edges in each of 9 captures under /work/shared")
        for (file, arguments) in lines {
            let c = try #require(edgeConfig(arguments), "\(file)")
            #expect(c.communityName == "bench")
            #expect(c.tapName == "n2n0")
            #expect(c.supernodes == [SupernodeAddress(host: "10.250.0.254", port: 1200)])
            #expect(c.foreground && c.acceptMulticast)
            #expect([50001, 50002, 50003].contains(c.localPort))
            #expect(c.mac?.description.hasPrefix("02:00:00:00:FA:0") == true)
            let expectedTransform: TransformID =
                switch file {
                case "a2-twofish": .twofish
                case "a3-aes", "h-a3-header-enc-aes": .aesCBC
                case "a4-chacha20": .chacha20
                case "a5-speck": .speckCTR
                default: .null
                }
            #expect(c.transform == expectedTransform, "\(file)")
            #expect(c.key == (expectedTransform == .null ? nil : "n2n-test-key"), "\(file)")
            #expect(c.compression == (file == "a1-lzo" ? .lzo : file == "a1-zstd" ? .zstd : CompressionID.none), "\(file)")
            #expect(c.headerEncryption == file.hasPrefix("h-"), "\(file)")
        }
    }
}

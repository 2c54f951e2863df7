import ProgramSupport
import Testing
@testable import Edge

/// The start-up line and warnings logged at the default level.
@Suite struct CLIEdgeStartupLineTests {
    @Test func lineNamesCipherCompressionHeaderEncryptionMTUAndTap() throws {
        let c = try #require(edgeConfig([
            "-c", "bench", "-l", "10.0.0.1:7654", "-a", "10.1.2.3", "-s", "255.255.0.0", "-d", "n2n0",
            "-k", "secret", "-A3", "-z2", "-H", "-M", "1400",
        ]))
        #expect(c.startupLine == "edge started: community bench, cipher AES-CBC, compression zstd, header encryption on, "
            + "MTU 1400, TAP n2n0 10.1.2.3/16 (static), supernodes 10.0.0.1:7654")
        #expect(c.startupWarnings == [])
    }

    @Test func defaultsAreNamedToo() throws {
        let c = try #require(edgeConfig(baseArguments + ["-k", "k", "-z"]))
        #expect(c.startupLine == "edge started: community bench, cipher Twofish, compression LZO, header encryption off, "
            + "MTU 1290, TAP edge0 192.168.250.1/24 (static), supernodes 10.250.0.254:1200")
    }

    @Test func dhcpAddressIsNamedAsSuch() throws {
        let c = try #require(edgeConfig(["-c", "bench", "-l", "10.0.0.1:7654", "-a", "dhcp:0.0.0.0", "-r"]))
        #expect(c.startupLine.contains("TAP edge0 0.0.0.0/24 (dhcp)"))
    }

    @Test func runningWithoutEncryptionWarns() throws {
        let plain = try #require(edgeConfig(baseArguments))
        #expect(plain.startupLine.contains("cipher null, compression none"))
        #expect(plain.startupWarnings.count == 1)
        #expect(plain.startupWarnings.first?.hasPrefix("encryption is off (cipher null, no key)") == true)
        let explicitNull = try #require(edgeConfig(baseArguments + ["-A1"]))
        #expect(explicitNull.startupWarnings.count == 1)
        let fromEnvironment = try #require(edgeConfig(baseArguments, environment: ["N2N_KEY": "k"]))
        #expect(fromEnvironment.startupWarnings == [])
    }
}

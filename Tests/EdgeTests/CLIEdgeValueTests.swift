import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport
import Testing
@testable import Edge

@Suite struct CLIEdgeValueTests {
    @Test func routes() throws {
        let r = try EdgeRoute.parse("192.168.1.0/24:10.0.0.1")
        #expect(r == EdgeRoute(network: 0xC0A8_0100, prefixLength: 24, gateway: 0x0A00_0001))
        #expect(r.netmask == 0xFFFF_FF00)
        #expect(!r.isDefaultRoute)
        #expect(r.description == "192.168.1.0/24:10.0.0.1")
        let d = try EdgeRoute.parse("0.0.0.0/0:10.0.0.1")
        #expect(d.isDefaultRoute && d.netmask == 0)
        #expect(try EdgeRoute.parse("10.1.2.3/32:10.0.0.1").netmask == 0xFFFF_FFFF)
        #expect(throws: OptionValueError.self) { try EdgeRoute.parse("0.0.0.0/0") }
        #expect(throws: OptionValueError.self) { try EdgeRoute.parse("1.0.0.0/0:10.0.0.1") }
        #expect(throws: OptionValueError.self) { try EdgeRoute.parse("10.0.0.0/8:224.0.0.1") }
    }

    @Test func netmasks() throws {
        #expect(try EdgeOptionValues.netmask("255.255.255.0") == 0xFFFF_FF00)
        #expect(try EdgeOptionValues.netmask("255.255.255.255") == 0xFFFF_FFFF)
        #expect(try EdgeOptionValues.netmask("0.0.0.0") == 0)
        #expect(try EdgeOptionValues.netmask("255.128.0.0") == 0xFF80_0000)
        #expect(throws: OptionValueError.self) { try EdgeOptionValues.netmask("0.255.255.255") }
        #expect(throws: OptionValueError.self) { try EdgeOptionValues.netmask("255.255.255.1") }
    }

    @Test func addresses() throws {
        #expect(try TapAddress.parse("10.0.0.1").description == "static:10.0.0.1")
        #expect(try TapAddress.parse("dhcp:0.0.0.0") == TapAddress(mode: .dhcp, ipv4: 0))
        #expect(try TapAddress.parse("static:0.0.0.0").ipv4 == 0)
        #expect(throws: OptionValueError.self) { try TapAddress.parse("static:255.255.255.255") }
        #expect(throws: OptionValueError.self) { try TapAddress.parse("Static:10.0.0.1") }
        #expect(throws: OptionValueError.self) { try TapAddress.parse("10.0.0.01.1") }
    }

    @Test func supernodes() throws {
        #expect(try SupernodeAddress.parse("sn.example.net:7654") == SupernodeAddress(host: "sn.example.net", port: 7654))
        #expect(try SupernodeAddress.parse("10.0.0.1:1").description == "10.0.0.1:1")
        #expect(throws: OptionValueError.self) { try SupernodeAddress.parse("sn.example.net") }
        #expect(throws: OptionValueError.self) { try SupernodeAddress.parse("a b:1") }
        // IPv6 in brackets; bare IPv6 is refused with the hint rather than split at a colon.
        let v6 = try SupernodeAddress.parse("[2001:db8::1]:1200")
        #expect(v6 == SupernodeAddress(host: "2001:db8::1", port: 1200))
        #expect(v6.description == "[2001:db8::1]:1200")
        #expect(v6.literal == PeerSocket(address: .v6(0x2001_0DB8_0000_0000, 1), port: 1200))
        #expect(try SupernodeAddress.parse("[::1]:7654").literal == PeerSocket(address: .v6(0, 1), port: 7654))
        #expect(try SupernodeAddress.parse("10.0.0.1:1").literal == PeerSocket(ipv4: 0x0A00_0001, port: 1))
        #expect(try SupernodeAddress.parse("sn.example.net:1").literal == nil)
        for bad in ["2001:db8::1:1200", "2001:db8::1", "[2001:db8::1]", "[2001:db8::1]1200", "[2001:db8::1:1200",
                    "[sn.example.net]:1", "[]:1", "[2001:db8::1]:0", "[2001:db8::1]:x"] {
            #expect(throws: OptionValueError.self, "\(bad)") { try SupernodeAddress.parse(bad) }
        }
        do {
            _ = try SupernodeAddress.parse("2001:db8::1:1200")
        } catch {
            #expect(error.reason.contains("brackets"))
        }
    }

    @Test func limits() throws {
        // 1967 + 14 (Ethernet) + 42 (relayed PACKET header) + 25 (AES worst case) = 2048
        #expect(EdgeOptionValues.maxMTU == 1967)
        #expect(try EdgeOptionValues.mtu("68") == 68)
        #expect(try EdgeOptionValues.mtu("1967") == 1967)
        #expect(throws: OptionValueError.self) { try EdgeOptionValues.mtu("1968") }
        #expect(try EdgeOptionValues.tapName("abcdefghijklmno") == "abcdefghijklmno")
        #expect(throws: OptionValueError.self) { try EdgeOptionValues.tapName("..") }
        #expect(throws: OptionValueError.self) { try EdgeOptionValues.tapName("a:b") }
        #expect(throws: OptionValueError.self) { try EdgeOptionValues.tapName("a b") }
        #expect(try EdgeOptionValues.tos("0xff") == 255)
        #expect(throws: OptionValueError.self) { try EdgeOptionValues.tos("0x100") }
        #expect(try EdgeOptionValues.cipher("1") == .null)
        #expect(try EdgeOptionValues.compression("2") == .zstd)
    }

    @Test func summaryDoesNotShowTheKey() throws {
        let c = try #require(edgeConfig(baseArguments + ["-k", "topsecretkey"]))
        #expect(!c.summary.contains("topsecretkey"))
        #expect(c.summary.contains("key: set (12 bytes)"))
        #expect(c.summary.contains("cipher: Twofish"))
    }

    /// n2n 2.8 read -L's value from the wrong variable and let a -l without value fall through
    /// into -i (spec 10.4 item 32).
    @Test func lAndCapitalLAreIndependent() throws {
        let c = try #require(edgeConfig(["e.conf", "-L", "4"], files: ["e.conf": "-c=x\n-l=10.0.0.1:1\n-a=10.1.0.1\n-L=7\n-i=9\n"]))
        #expect(c.registerTTL == 4)
        #expect(c.registerInterval == 9)
        let exit = try #require(edgeExit(["e.conf"], files: ["e.conf": "-c=x\n-a=10.1.0.1\n-l\n-i=9\n"]))
        #expect(exit.errorOutput.contains("e.conf:3: option '-l' requires a value"))
        let cli = try #require(edgeExit(["-c", "x", "-a", "10.1.0.1", "-l"]))
        #expect(cli.errorOutput.contains("option '-l' requires a value"))
    }
}

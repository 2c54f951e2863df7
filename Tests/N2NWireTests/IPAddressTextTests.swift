import Testing
import N2NWire

// IPv6 text as `-l` takes it and logs and management write it (RFC 4291 2.2 in, RFC 5952 out).
@Suite struct IPAddressTextTests {
    @Test func parsesEveryIPv6Form() {
        #expect(IPAddress(ipv6: "2001:db8::1") == .v6(0x2001_0DB8_0000_0000, 1))
        #expect(IPAddress(ipv6: "2001:DB8:0:0:0:0:0:1") == .v6(0x2001_0DB8_0000_0000, 1))
        #expect(IPAddress(ipv6: "::") == .v6(0, 0))
        #expect(IPAddress(ipv6: "::1") == .v6(0, 1))
        #expect(IPAddress(ipv6: "fd00::") == .v6(0xFD00_0000_0000_0000, 0))
        #expect(IPAddress(ipv6: "1:2:3:4:5:6:7:8") == .v6(0x0001_0002_0003_0004, 0x0005_0006_0007_0008))
        #expect(IPAddress(ipv6: "1:2:3::6:7:8") == .v6(0x0001_0002_0003_0000, 0x0000_0006_0007_0008))
        #expect(IPAddress(ipv6: "::ffff:192.0.2.1") == .v6(0, 0xFFFF_C000_0201))
        #expect(IPAddress(ipv6: "1:2:3:4:5:6:192.0.2.1") == .v6(0x0001_0002_0003_0004, 0x0005_0006_C000_0201))
    }

    @Test func rejectsMalformedIPv6() {
        for bad in ["", ":", ":::", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8",
                    "12345::", "g::1", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "::192.0.2.1:1", "1.2.3.4::",
                    "fe80::1%eth0", "[::1]", "::1 "] {
            #expect(IPAddress(ipv6: bad) == nil, "\(bad)")
        }
    }

    @Test func eitherFamilyWithOrWithoutBrackets() {
        #expect(IPAddress("10.1.2.3") == .v4(0x0A01_0203))
        #expect(IPAddress("[2001:db8::1]") == .v6(0x2001_0DB8_0000_0000, 1))
        #expect(IPAddress("2001:db8::1") == .v6(0x2001_0DB8_0000_0000, 1))
        #expect(IPAddress("supernode.example.net") == nil)
        #expect(IPAddress("[10.1.2.3]") == nil)
    }

    @Test func writesRFC5952Text() {
        #expect(IPAddress.v6(0x2001_0DB8_0000_0000, 1).description == "2001:db8::1")
        #expect(IPAddress.v6(0, 0).description == "::")
        #expect(IPAddress.v6(0x2001_0DB8_0000_0001, 0x0000_0000_0001_0001).description == "2001:db8:0:1::1:1")
        #expect(IPAddress.v6(0x2001_0DB8_0001_0001, 0x0001_0001_0001_0001).description == "2001:db8:1:1:1:1:1:1")
        #expect(PeerSocket(address: .v6(0xFD00_0000_0000_0000, 2), port: 1200).description == "[fd00::2]:1200")
        // Text round-trips.
        for text in ["fd00:1:2:3::4", "::1", "1:0:0:1::", "2001:db8::1:0:0:1"] {
            #expect(IPAddress(ipv6: text)?.description == text)
        }
    }

    @Test func familiesCompare() {
        let v4 = PeerSocket(ipv4: 1, port: 1)
        let v6 = PeerSocket(address: .v6(0, 1), port: 1)
        #expect(v4.sameFamily(as: PeerSocket(ipv4: 2, port: 2)))
        #expect(v6.sameFamily(as: PeerSocket(address: .v6(1, 1), port: 2)))
        #expect(!v4.sameFamily(as: v6))
        #expect(!v6.sameFamily(as: v4))
    }
}

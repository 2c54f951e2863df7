import Testing
@testable import TapDevice

/// Which frames read from the TAP may overtake the bulk read with them (issue 18).
@Suite struct OffloadUrgentFrameTests {
    static func urgent(_ frame: [UInt8]) -> Bool { frame.withUnsafeBytes { UrgentFrame.qualifies($0) } }

    /// An ICMP echo request of `ping`'s default size (56 data bytes), IPv4 or IPv6.
    static func echo(v6: Bool) -> [UInt8] {
        let data = [UInt8](repeating: 0x5A, count: 64)
        if v6 {
            return macB + macA + [0x86, 0xDD, 0x60, 0, 0, 0] + be16(data.count) + [58, 64] + ipv6A + ipv6B + data
        }
        return macB + macA + [0x08, 0x00, 0x45, 0] + be16(20 + data.count) + [0, 1, 0x40, 0, 64, 1, 0, 0] + ipv4A + ipv4B + data
    }

    @Test func pingsArpAndSmallUDPQualify() {
        #expect(Self.urgent(Self.echo(v6: false)))
        #expect(Self.urgent(Self.echo(v6: true)))
        let arp = macB + macA + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)
        #expect(Self.urgent(arp))
        #expect(Self.urgent(TestPacket(tcp: false, payload: payloadBytes(40)).build()))
        #expect(Self.urgent(TestPacket(v6: true, tcp: false, payload: payloadBytes(40)).build()))
    }

    @Test func pureAcksQualifyButNotTCPStateChangesOrData() {
        #expect(Self.urgent(TestPacket(flags: tcpACK).build()))
        #expect(Self.urgent(TestPacket(v6: true, flags: tcpACK, tcpOptions: timestampOption(1, 2)).build()))
        for flags in [tcpSYN, tcpSYN | tcpACK, tcpFIN | tcpACK, tcpRST] {
            #expect(!Self.urgent(TestPacket(flags: flags).build()))
        }
        #expect(!Self.urgent(TestPacket(flags: tcpACK | tcpPSH, payload: payloadBytes(10)).build()))
    }

    @Test func largeOrUnknownFramesDoNot() {
        #expect(!Self.urgent(TestPacket(tcp: false, payload: payloadBytes(UrgentFrame.maxLength)).build()))
        var echo = Self.echo(v6: false)
        echo += [UInt8](repeating: 0, count: UrgentFrame.maxLength)
        #expect(!Self.urgent(echo))
        #expect(!Self.urgent(macB + macA + [0x88, 0xCC] + [UInt8](repeating: 0, count: 40)))   // LLDP
        #expect(!Self.urgent(Array(Self.echo(v6: false).prefix(20))))
        #expect(!Self.urgent([]))
    }
}

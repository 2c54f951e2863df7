import N2NWire
import Testing
import LinuxSystem
@testable import PacketCore

/// Hostile input: random bytes, every truncation and every single-bit flip of valid packets. The engine
/// must neither crash nor let anything pass unaccounted: each datagram either produces output or is
/// counted as a drop.
@Suite struct SupernodeRobustnessTests {
    typealias F = Fixture

    struct XorShift {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    /// Three registered edges in "mynet" (so every accepted broadcast has receivers).
    static func populated(encryption: Bool) -> SupernodeHarness {
        let h = encryption
            ? SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: ["mynet", "other"]), encryption: true)
            : SupernodeHarness()
        for (mac, sock) in [(F.macA, F.sockA), (F.macB, F.sockB), (F.macC, F.sockC)] {
            let rs = F.registerSuper(mac)
            let datagram = encryption ? h.ciphers[F.community]!.sealed(rs, stamp: h.stamp(random: UInt16(mac.rawValue & 0xFFF))) : rs
            #expect(h.receive(datagram, from: sock).count == 1)
        }
        return h
    }

    static var validPackets: [[UInt8]] {
        [
            F.registerSuper(F.macA),
            F.packet(from: F.macA, to: F.macB, payload: Array(0..<40)),
            F.packet(from: F.macA, to: .broadcast),
            F.packet(from: F.macA, to: F.macB, flags: [.fromSupernode, .socket], sock: F.sockC),
            F.register(from: F.macA, to: F.macB),
            F.queryPeer(from: F.macA, for: F.macB),
        ]
    }

    /// Feeds `datagram` and checks it was either answered/relayed or counted.
    static func feed(_ h: SupernodeHarness, _ datagram: [UInt8], from source: PeerSocket = F.sockA) {
        let before = h.engine.statistics.totalDropped + h.engine.statistics[.empty]
        let sent = h.receive(datagram, from: source)
        let after = h.engine.statistics.totalDropped + h.engine.statistics[.empty]
        #expect(sent.count > 0 || after == before + 1, "unaccounted datagram \(datagram)")
        #expect(after <= before + 1)
    }

    @Test(arguments: [false, true])
    func randomBytes(encryption: Bool) {
        let h = Self.populated(encryption: encryption)
        var rng = XorShift(state: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<3000 {
            let length = Int(rng.next() % 120)
            var datagram = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Half of them start like a real header, to get past the first checks.
            if rng.next() & 1 == 0, length >= 20 {
                datagram[0] = 2
                datagram[19] = 0
                datagram[2] = 0
                datagram[3] = UInt8(rng.next() % 11)
            }
            Self.feed(h, datagram)
        }
    }

    @Test(arguments: [false, true])
    func everyTruncation(encryption: Bool) {
        let h = Self.populated(encryption: encryption)
        for packet in Self.validPackets {
            let datagram = encryption ? h.ciphers[F.community]!.sealed(packet, headerLength: min(packet.count, 34), stamp: h.stamp()) : packet
            for length in 0..<datagram.count {
                Self.feed(h, Array(datagram[0..<length]))
            }
        }
    }

    @Test(arguments: [false, true])
    func everyBitFlip(encryption: Bool) {
        var random: UInt16 = 0
        for packet in Self.validPackets {
            // A fresh supernode per packet kind: flipped registrations create edges in invented
            // communities, where a later broadcast would legitimately reach nobody.
            let h = Self.populated(encryption: encryption)
            for bit in 0..<(packet.count * 8) {
                var datagram = packet
                random &+= 1
                if encryption {
                    datagram = h.ciphers[F.community]!.sealed(packet, headerLength: min(packet.count, 34),
                                                               stamp: h.stamp(random: random))
                }
                datagram[bit / 8] ^= 1 << UInt8(bit % 8)
                Self.feed(h, datagram)
            }
        }
    }

    @Test func oversizedDatagramsAreDropped() {
        var options = SupernodeEngineOptions()
        options.maxDatagramSize = 100
        let h = SupernodeHarness(options: options)
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        // 34-byte header + 130 bytes payload, relayed as 42 + 130 > 164 bytes of scratch.
        #expect(h.receive(F.packet(from: F.macA, to: F.macB, payload: Array(repeating: 1, count: 130)), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.oversize] == 1)
        #expect(h.receive(F.packet(from: F.macA, to: F.macB, payload: Array(repeating: 1, count: 100)), from: F.sockA).count == 1)
    }
}

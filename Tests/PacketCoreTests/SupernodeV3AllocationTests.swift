import Glibc
import N2NWire
import AllocationProbe
import Testing
import LinuxSystem
@testable import PacketCore

/// The 3.x control plane allocates nothing per datagram in its steady state either: relays
/// (unicast, broadcast fan-out, REGISTER), replies (ACK, PEER_INFO, PONG), plain and `-H`.
@Suite struct SupernodeV3AllocationTests {
    @Test(.enabled(if: !isAllocationProbe))
    func v3HotPathsDoNotAllocate() throws {
        try expectAllocationProbePasses(suite: "SupernodeV3AllocationProbeTests")
    }
}

@Suite(.serialized, .enabled(if: isAllocationProbe)) struct SupernodeV3AllocationProbeTests {
    typealias F = Fixture
    typealias T = SupernodeV3Tests

    static func measure(encrypted: Bool) throws -> (allocations: Int, sent: Int) {
        let sink = CountingSink()
        let random = CountingRandom()
        var options = SupernodeEngineOptions(whitelistNames: encrypted ? ["mynet"] : [])
        if !encrypted { options.whitelist = nil }
        options.broadcastRate = 0
        let clock = ManualClock(wall: WallTime(seconds: 0x6000_0000))
        let engine = SupernodeEngine(options: options, output: sink,
                                     headerCipherFactory: CommunityHeaderCipher.factory(random: random),
                                     random: random, clock: clock)
        engine.logger.logLevel = .critical
        let cipher = V3HeaderCipher(community: T.field)
        var counter: UInt64 = 0
        func wire(_ plain: [UInt8], headerLength: Int? = nil) -> [UInt8] {
            var out = plain.withUnsafeBufferPointer { Array($0) }
            guard encrypted else { return out }
            counter &+= 1
            let t = clock.wallTime
            let stamp = V3Stamp.now(unixSeconds: UInt64(t.seconds), microseconds: UInt64(t.microseconds)) &+ counter << 12
            out.withUnsafeMutableBytes { try! cipher.encrypt($0, headerLength: headerLength ?? plain.count, stamp: stamp, random: random) }
            return out
        }
        func encode(_ message: V3Message, payload: [UInt8] = []) -> [UInt8] {
            try! V3Codec.encode(V3CommonHeader(code: message.code, community: T.field), message) + payload
        }
        let edges = [(F.macA, F.sockA), (F.macB, F.sockB), (F.macC, F.sockC)]
        for (mac, sock) in edges {
            var rs = wire(T.registerSuper(mac, description: "h\(mac.octets[5])"))
            rs.withUnsafeMutableBytes { engine.handleDatagram($0, from: sock) }
        }
        let unicast = V3PacketHeader(srcMac: F.macA, dstMac: F.macB, transform: 3)
        let templates: [([UInt8], Int?, PeerSocket)] = [
            (encode(.packet(unicast), payload: Array(repeating: 7, count: 1200)), unicast.headerLength, F.sockA),
            (encode(.packet(V3PacketHeader(srcMac: F.macA, dstMac: .broadcast, transform: 3)), payload: Array(repeating: 8, count: 300)),
             unicast.headerLength, F.sockA),
            (encode(.register(V3Register(srcMac: F.macB, dstMac: F.macC))), nil, F.sockB),
            (encode(.queryPeer(V3QueryPeer(srcMac: F.macC, targetMac: F.macA))), nil, F.sockC),
            (encode(.queryPeer(V3QueryPeer(srcMac: F.macC, targetMac: .zero))), nil, F.sockC),
            (T.registerSuper(F.macB), nil, F.sockB),
            (encode(.packet(V3PacketHeader(srcMac: F.macA, dstMac: MACAddress(2, 9, 9, 9, 9, 9), transform: 3))),
             unicast.headerLength, F.sockA),  // unknown: dropped
        ]
        let rounds = 50
        var buffers: [[UInt8]] = []
        for _ in 0..<(rounds + 1) {
            for (plain, h, _) in templates { buffers.append(wire(plain, headerLength: h)) }
        }
        var next = 0
        func round() {
            for (_, _, source) in templates {
                buffers[next].withUnsafeMutableBytes { engine.handleDatagram($0, from: source) }
                next += 1
            }
        }
        round()  // warm-up
        let before = sink.datagrams
        let counted = AllocationCounter.allocations {
            for _ in 0..<rounds { round() }
        }
        let allocations = try #require(counted, "runtime allocation hook not found")
        #expect(engine.statistics[.unknownDestination] == UInt64(rounds + 1))
        #expect(engine.statistics.totalDropped == UInt64(rounds + 1))
        return (allocations, sink.datagrams - before)
    }

    // Per round: unicast 1, broadcast 2, REGISTER 1, PEER_INFO 1, PONG 1, ACK 1.
    @Test func plainV3RelaysDoNotAllocate() throws {
        let (allocations, sent) = try Self.measure(encrypted: false)
        #expect(sent == 50 * 7)
        #expect(allocations == 0, "\(allocations) allocations for \(sent) datagrams")
    }

    /// Sealed 3.x datagrams are tried with the listed communities' 2.x keys first: that miss must
    /// not allocate either (it did, through the thrown error, until the magic test came first).
    @Test func encryptedV3RelaysDoNotAllocate() throws {
        let (allocations, sent) = try Self.measure(encrypted: true)
        #expect(sent == 50 * 7)
        #expect(allocations == 0, "\(allocations) allocations for \(sent) datagrams")
    }
}

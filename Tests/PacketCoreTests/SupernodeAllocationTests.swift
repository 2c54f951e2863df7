import Glibc
import N2NWire
import AllocationProbe
import Testing
import LinuxSystem
@testable import PacketCore

/// The engine's steady state allocates nothing per datagram: relays (unicast, broadcast fan-out,
/// REGISTER), replies (ACK, PEER_INFO), drops, plain and header-encrypted. Measured with the runtime
/// allocation hook of IOAllocationTests, in a child process that runs only the probe suite below.
@Suite struct SupernodeAllocationTests {
    @Test(.enabled(if: !isAllocationProbe))
    func engineHotPathsDoNotAllocate() throws {
        try expectAllocationProbePasses(suite: "SupernodeAllocationProbeTests")
    }
}

/// Counts what would be sent without keeping it.
final class CountingSink: CopyingDatagramSink {
    var datagrams = 0
    var bytes = 0
    override func deliver(_ buffer: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) {
        datagrams += 1
        bytes &+= buffer.count
    }
}

@Suite(.serialized, .enabled(if: isAllocationProbe)) struct SupernodeAllocationProbeTests {
    typealias F = Fixture

    /// One scenario: the datagrams a few edges keep sending, fed through `engine` in a loop.
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
        let edgeCipher = HeaderCipher(community: F.community)
        var stampBits: UInt16 = 0
        func wire(_ plain: [UInt8], headerLength: Int? = nil) -> [UInt8] {
            var out = plain.withUnsafeBufferPointer { Array($0) }  // its own buffer, so the engine's in-place access does not copy it
            guard encrypted else { return out }
            stampBits &+= 1
            let stamp = EdgeReplayWindow.stamp(clock.wallTime, random12: stampBits)
            out.withUnsafeMutableBytes { try! edgeCipher.encrypt($0, headerLength: headerLength ?? plain.count, stamp: stamp, random: random) }
            return out
        }
        // D registered over IPv6: relays across families (without the sock) must not allocate either.
        let macD = MACAddress(2, 0, 0, 0, 0, 4)
        let sockD = PeerSocket(address: .v6(0x2001_0DB8_0000_0000, 4), port: 50004)
        let edges = [(F.macA, F.sockA), (F.macB, F.sockB), (F.macC, F.sockC), (macD, sockD)]
        for (mac, sock) in edges {
            var rs = wire(F.registerSuper(mac))
            rs.withUnsafeMutableBytes { engine.handleDatagram($0, from: sock) }
        }
        // Every datagram is sealed afresh per round (a replay would be dropped), into buffers made
        // before measuring; the engine decrypts them in place.
        let templates: [([UInt8], Int?, PeerSocket)] = [
            (F.packet(from: F.macA, to: F.macB, payload: Array(repeating: 7, count: 1200)), 34, F.sockA),
            (F.packet(from: F.macA, to: .broadcast, payload: Array(repeating: 8, count: 300)), 34, F.sockA),
            (F.register(from: F.macB, to: F.macC), nil, F.sockB),
            (F.queryPeer(from: F.macC, for: F.macA), nil, F.sockC),
            (F.registerSuper(F.macB), nil, F.sockB),
            (F.packet(from: F.macA, to: F.macC, flags: [.fromSupernode, .socket], sock: F.sockB), 42, F.sockA),  // relay loop: dropped
            (F.packet(from: F.macA, to: MACAddress(2, 9, 9, 9, 9, 9)), 34, F.sockA),   // unknown: dropped
            (F.packet(from: F.macA, to: macD, payload: Array(repeating: 9, count: 1200)), 34, F.sockA),
            (F.packet(from: macD, to: F.macB, payload: Array(repeating: 9, count: 1200)), 34, sockD),
            (F.queryPeer(from: macD, for: F.macA), nil, sockD),                         // other family: dropped
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
        #expect(engine.statistics[.relayLoop] == UInt64(rounds + 1))
        #expect(engine.statistics[.otherFamily] == UInt64(rounds + 1))
        #expect(engine.statistics.totalDropped == UInt64(3 * (rounds + 1)))
        return (allocations, sink.datagrams - before)
    }

    @Test func plainRelaysDoNotAllocate() throws {
        let (allocations, sent) = try Self.measure(encrypted: false)
        // Per round: unicast 1, broadcast 3, REGISTER 1, PEER_INFO 1, ACK 1, across families 2
        // (FROM_SUPERNODE, unknown destination, other family: dropped).
        #expect(sent == 50 * 9)
        #expect(allocations == 0, "\(allocations) allocations for \(sent) datagrams")
    }

    @Test func encryptedRelaysDoNotAllocate() throws {
        let (allocations, sent) = try Self.measure(encrypted: true)
        #expect(sent == 50 * 9)
        #expect(allocations == 0, "\(allocations) allocations for \(sent) datagrams")
    }
}

import AllocationProbe
import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// With --igmp-snooping, a frame replicated to its listeners (both a direct one, sharing one seal,
// and one through the supernode) and a multicast frame received must not allocate. Counted with
// the runtime hook of `AllocationCounter`, in a child process (see there).

@Suite struct EdgeSnoopingAllocationTests {
    @Test(.enabled(if: !isAllocationProbe))
    func replicationDoesNotAllocate() throws {
        try expectAllocationProbePasses(suite: "EdgeSnoopingAllocationProbeTests")
    }
}

@Suite(.serialized, .enabled(if: isAllocationProbe)) struct EdgeSnoopingAllocationProbeTests {
    final class NullSink: CopyingDatagramSink {
        var datagrams = 0
        override func deliver(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) { datagrams += 1 }
    }
    final class NullFrames: CopyingFrameSink {
        var frames = 0
        override func deliver(_ frame: UnsafeRawBufferPointer) { frames += 1 }
    }

    @Test func replicateAndReceiveDoNotAllocate() throws {
        let clock = ManualClock()
        var config = EdgeEngine.Configuration(community: testCommunity, mac: macA,
                                              supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654)])
        config.tapIPv4 = ipA
        config.dropMulticast = false
        config.allowRouting = true
        config.multicastSnooping = EdgeMulticastSettings()
        let random = FakeRandom(seed: 7)
        let sink = NullSink()
        let frames = NullFrames()
        let pipeline = FramePipeline(community: testCommunity, transform: TestTransform(), random: random)
        let engine = EdgeEngine(configuration: config, pipeline: pipeline, random: random, clock: clock,
                                datagrams: sink, frames: frames, host: FakeHost(), verbosity: 0)
        engine.start()
        engine.tick()   // starts the querier
        let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)
        var reg = controlDatagram(.register(Register(srcMac: macB, dstMac: macA)))
        reg.withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }
        var ack = controlDatagram(.registerAck(RegisterAck(cookie: engine.peerCookie(macB), dstMac: macA, srcMac: macB)))
        ack.withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }
        // B (direct) and C (unknown: through the supernode) report the group.
        let macC = MACAddress(0x02, 0, 0, 0, 0, 0x03)
        let group: UInt32 = 0xEF01_0101
        let report = McastFrames.igmpFrame(dst: group, McastFrames.igmp(type: 0x16, group: group))
        for peer in [macB, macC] {
            var d = packetDatagram(src: peer, dst: report.prefix(6).withUnsafeBytes { MACAddress(loadingFrom: $0, at: 0) }, frame: report)
            d.withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }
        }
        let data = McastFrames.udp4(to: group, payload: 1000)
        let incoming = packetDatagram(src: macB, dst: InetAddress.v4(group).multicastMAC, frame: data)
        var scratch = incoming
        func round() {
            data.withUnsafeBytes { engine.handleFrame($0) }
            scratch.withUnsafeMutableBytes { s in
                incoming.withUnsafeBytes { s.copyMemory(from: $0) }
                engine.handleDatagram(s, from: bPub)
            }
        }
        for _ in 0..<200 { round() }   // warm-up
        let sentBefore = sink.datagrams
        let counted = AllocationCounter.allocations { for _ in 0..<1000 { round() } }
        let allocations = try #require(counted, "runtime allocation hook not found")
        #expect(allocations == 0, "\(allocations) allocations in 1000 replicated + received frames")
        #expect(sink.datagrams - sentBefore == 2000)   // one copy to B, one via the supernode for C
        #expect(engine.snapshot().multicast?.counters.framesReplicated == 1200)
        #expect(frames.frames >= 1200)
    }
}

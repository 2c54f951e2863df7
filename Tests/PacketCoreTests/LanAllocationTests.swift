import AllocationProbe
import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// A bridged LAN's frames (issue 17 item 4) must not allocate either: frames from a learned host,
// a SYN clamped in the plane's scratch copy, oversized frames answered with ICMP (and past the
// rate limit only counted), a SYN-ACK clamped on the way in. Counted with the runtime hook of
// `AllocationCounter`, in a child process (see there).

@Suite struct LanAllocationTests {
    @Test(.enabled(if: !isAllocationProbe))
    func bridgedFramesDoNotAllocate() throws {
        try expectAllocationProbePasses(suite: "LanAllocationProbeTests")
    }
}

@Suite(.serialized, .enabled(if: isAllocationProbe)) struct LanAllocationProbeTests {
    final class NullSink: CopyingDatagramSink {
        var datagrams = 0
        override func deliver(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) { datagrams += 1 }
    }
    final class NullFrames: CopyingFrameSink {
        var frames = 0
        override func deliver(_ frame: UnsafeRawBufferPointer) { frames += 1 }
    }

    @Test func hostFramesClampsAndAnswersDoNotAllocate() throws {
        let clock = ManualClock()
        var config = EdgeEngine.Configuration(community: testCommunity, mac: macA,
                                              supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654)])
        config.tapIPv4 = ipA
        config.allowRouting = true
        let random = FakeRandom(seed: 9)
        let sink = NullSink()
        let frames = NullFrames()
        let pipeline = FramePipeline(community: testCommunity, transform: TestTransform(), random: random)
        let engine = EdgeEngine(configuration: config, pipeline: pipeline, random: random, clock: clock,
                                datagrams: sink, frames: frames, host: FakeHost(), verbosity: 0)
        engine.start()
        let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)
        var reg = controlDatagram(.register(Register(srcMac: macB, dstMac: macA)))
        reg.withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }
        var ack = controlDatagram(.registerAck(RegisterAck(cookie: engine.peerCookie(macB), dstMac: macA, srcMac: macB)))
        ack.withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }

        let host = MACAddress(0x02, 0, 0, 0, 0, 0x11)
        let data = Frames.ipv4(dst: macB, src: host, srcIP: 0x0A00_000B, dstIP: ipB, extra: 1000)
        let syn = tcpSYN(options: [2, 4, 0x05, 0xB4, 1, 1, 4, 2], src: host)
        let oversized = tcpSYN(options: [], payload: 1400, src: host)
        var synAck = tcpSYN(options: [2, 4, 0x05, 0xB4, 1, 1, 4, 2], src: macB, dst: host)
        synAck[14 + 20 + 13] = 0x12
        let incoming = packetDatagram(src: macB, dst: host, frame: synAck)
        var scratch = incoming
        func round() {
            data.withUnsafeBytes { engine.handleFrame($0) }
            syn.withUnsafeBytes { engine.handleFrame($0) }
            oversized.withUnsafeBytes { engine.handleFrame($0) }
            scratch.withUnsafeMutableBytes { s in
                incoming.withUnsafeBytes { s.copyMemory(from: $0) }
                engine.handleDatagram(s, from: bPub)
            }
        }
        for _ in 0..<200 { round() }   // warm-up; the ICMP budget of this second is spent
        clock.advance(seconds: 1.1)
        for _ in 0..<50 { round() }    // a new second: 50 answers
        let framesBefore = frames.frames
        let counted = AllocationCounter.allocations { for _ in 0..<1000 { round() } }
        let allocations = try #require(counted, "runtime allocation hook not found")
        #expect(allocations == 0, "\(allocations) allocations in 1000 rounds of bridged frames")
        #expect(engine.localHosts.contains(host))
        #expect(engine.statistics.mssClampedTx == 1250 && engine.statistics.mssClampedRx == 1250)
        // 1000 SYN-ACKs written, plus the 50 answers left in this second's budget.
        #expect(frames.frames - framesBefore == 1000 + 50)
        #expect(engine.statistics.drops(.txFragmentationNeeded) == 1250)
    }
}

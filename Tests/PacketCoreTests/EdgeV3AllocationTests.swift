import AllocationProbe
import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// The v3 dialect through the same data plane: forwarding P2P both ways (AES with -H, and the null
// transform) must not allocate per frame, as in v2. Counted in a child process (see AllocationCounter).

@Suite struct EdgeV3AllocationTests {
    @Test(.enabled(if: !isAllocationProbe))
    func v3ForwardingDoesNotAllocate() throws {
        try expectAllocationProbePasses(suite: "EdgeV3AllocationProbeTests")
    }
}

@Suite(.serialized, .enabled(if: isAllocationProbe)) struct EdgeV3AllocationProbeTests {
    final class NullSink: CopyingDatagramSink {
        var datagrams = 0
        override func deliver(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) { datagrams += 1 }
    }
    final class NullFrames: CopyingFrameSink {
        var frames = 0
        override func deliver(_ frame: UnsafeRawBufferPointer) { frames += 1 }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func forwardingBothWaysDoesNotAllocate(aes: Bool, headerEncryption realCrypto: Bool) throws {
        let community = V3Community("mynet")
        let clock = ManualClock()
        var config = EdgeEngine.Configuration(community: testCommunity, mac: macA,
                                              supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654)])
        config.tapIPv4 = ipA
        let random = FakeRandom(seed: 9)
        let id: TransformID = aes ? .aesCBC : .null
        let keys = realCrypto ? V3HeaderKeys(community: community) : nil
        func pipeline() -> V3FramePipeline {
            V3FramePipeline(community: community, transform: try! id.makeV3Transform(passphrase: Array("s3cret".utf8), random: random),
                            compression: .none, headerKeys: keys, random: random)
        }
        let sink = NullSink()
        let frames = NullFrames()
        let wire = EdgeV3ControlWire(community: community, headerEncryption: realCrypto, identity: EdgeV3Identity(token: Array(1...16)))
        let engine = EdgeEngine(configuration: config, dialect: EdgeV3Wire(pipeline: pipeline()), controlWire: wire,
                                random: random, clock: clock, datagrams: sink, frames: frames, host: FakeHost(), verbosity: 0)
        engine.start()
        let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)
        let sender = pipeline()   // B's side, same keys
        let cipher = keys.map(V3HeaderCipher.init(keys:))
        var stamps = V3StampGenerator()
        func sealedControl(_ message: V3Message) -> [UInt8] {
            var b = try! V3Codec.encode(V3CommonHeader(code: message.code, community: community), message)
            if let cipher {
                let w = clock.wallTime
                let stamp = stamps.next(unixSeconds: UInt64(w.seconds), microseconds: UInt64(w.microseconds))
                b.withUnsafeMutableBytes { try! cipher.encrypt($0, headerLength: $0.count, stamp: stamp, random: random) }
            }
            return b
        }
        var reg = sealedControl(.register(V3Register(srcMac: macB, dstMac: macA)))
        reg.withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }
        var ack = sealedControl(.registerAck(V3RegisterAck(cookie: engine.peerCookie(macB), dstMac: macA, srcMac: macB)))
        ack.withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }
        #expect(engine.control.known[macB] != nil)

        let outFrame = Frames.ipv4(dst: macB, src: macA, srcIP: ipA, dstIP: ipB, extra: 1000)
        let inFrame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA, extra: 1000)
        var scratch = [UInt8](repeating: 0, count: 2048)
        var stamp = V3Stamp.now(unixSeconds: UInt64(clock.wallTime.seconds), microseconds: 0)
        // B's datagrams are sealed before the measurement (its side is not what is measured).
        var incoming: [[UInt8]] = []
        for _ in 0..<1200 {
            stamp &+= 1 << 12
            let n = scratch.withUnsafeMutableBytes { s in inFrame.withUnsafeBytes { try! sender.seal(frame: $0, srcMac: macB, into: s, stamp: stamp) } }
            incoming.append(Array(scratch[..<n]))
        }
        var next = 0
        func round() {
            outFrame.withUnsafeBytes { engine.handleFrame($0) }
            incoming[next].withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }
            next += 1
        }
        for _ in 0..<200 { round() }   // warm-up
        let counted = AllocationCounter.allocations { for _ in 0..<1000 { round() } }
        let allocations = try #require(counted, "runtime allocation hook not found")
        #expect(allocations == 0, "\(allocations) allocations in 1000 v3 frames each way")
        #expect(engine.statistics.txP2P == 1200)
        #expect(frames.frames == 1200)
    }
}

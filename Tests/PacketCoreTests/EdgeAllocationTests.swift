#if canImport(Glibc)
import Glibc
#endif
import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// Steady-state forwarding must not allocate (brief: no heap allocation per frame). Counting needs a
// malloc interposer: run the tests with LD_PRELOAD of a library exporting
// `unsigned long n2n_test_malloc_count(void)` that counts malloc/calloc/realloc/posix_memalign/
// aligned_alloc calls, and run this test alone (the counter is process-wide). Without the library
// the test only exercises the paths.
private typealias CountFunction = @convention(c) () -> UInt

private let mallocCount: CountFunction? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "n2n_test_malloc_count") else { return nil }
    return unsafeBitCast(symbol, to: CountFunction.self)
}()

@Test(.serialized, arguments: [false, true])
func forwardingDoesNotAllocateInSteadyState(realCrypto: Bool) {
    let edge = TestEdge()
    edge.engine.start()
    edge.ackRegistration()
    let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)
    // B becomes a known P2P peer.
    edge.receive(controlDatagram(.register(Register(srcMac: macB, dstMac: macA))), from: bPub)
    edge.receive(controlDatagram(.registerAck(RegisterAck(cookie: edge.engine.peerCookie(macB), dstMac: macA, srcMac: macB))), from: bPub)
    #expect(edge.managementText("peers").hasSuffix("p2p\n"))

    // Sinks that do not record (recording allocates).
    final class NullSink: CopyingDatagramSink {
        var datagrams = 0
        override func deliver(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) { datagrams += 1 }
    }
    final class NullFrames: CopyingFrameSink {
        var frames = 0
        override func deliver(_ frame: UnsafeRawBufferPointer) { frames += 1 }
    }
    let sink = NullSink()
    let frameSink = NullFrames()
    let random = FakeRandom()
    let transform: PayloadTransform = realCrypto ? SpeckTransform(passphrase: Array("mysecret".utf8), random: random) : TestTransform()
    let pipeline = FramePipeline(community: testCommunity, transform: transform, headerEncryption: realCrypto, random: random)
    let engine = EdgeEngine(configuration: edge.engine.configuration, pipeline: pipeline, random: random, clock: edge.clock,
                            datagrams: sink, frames: frameSink, host: FakeHost(), verbosity: 0)
    // What B sends, produced with B's keys (the same community and passphrase).
    func sealed(_ bytes: [UInt8], headerLength: Int? = nil) -> [UInt8] {
        guard realCrypto else { return bytes }
        var b = bytes
        let stamp = EdgeReplayWindow.stamp(edge.clock.wallTime)
        b.withUnsafeMutableBytes { try! HeaderCipher(community: testCommunity).encrypt($0, headerLength: headerLength ?? bytes.count, stamp: stamp, random: random) }
        return b
    }
    engine.start()
    var reg = sealed(controlDatagram(.register(Register(srcMac: macB, dstMac: macA))))
    reg.withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }
    var ack = sealed(controlDatagram(.registerAck(RegisterAck(cookie: engine.peerCookie(macB), dstMac: macA, srcMac: macB))))
    ack.withUnsafeMutableBytes { engine.handleDatagram($0, from: bPub) }

    let outFrame = Frames.ipv4(dst: macB, src: macA, srcIP: ipA, dstIP: ipB, extra: 1000)
    let inFrame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA, extra: 1000)
    var inPacket = packetDatagram(src: macB, dst: macA, frame: inFrame)
    if realCrypto {
        // B's PACKET: Speck payload after the 34-byte header; header encryption per round below.
        var payload = [UInt8](repeating: 0, count: inFrame.count + 17)
        let n = inFrame.withUnsafeBytes { f in payload.withUnsafeMutableBytes { try! transform.encode(f, into: $0) } }
        let head = try! WireCodec.encode(CommonHeader(code: .packet, community: testCommunity),
                                         .packet(PacketHeader(srcMac: macB, dstMac: macA, transform: TransformField(transform: .speckCTR))))
        inPacket = head + payload[..<n]
    }
    var scratch = inPacket
    let senderCipher = HeaderCipher(community: testCommunity)
    var stamp = EdgeReplayWindow.stamp(edge.clock.wallTime)
    func forward(_ rounds: Int) {
        outFrame.withUnsafeBytes { f in
            scratch.withUnsafeMutableBytes { s in
                for _ in 0..<rounds {
                    engine.handleFrame(f)
                    _ = inPacket.withUnsafeBytes { s.copyMemory(from: $0) }
                    // Each datagram sealed afresh, as B would: the same one twice is a replay.
                    if realCrypto {
                        stamp &+= 1 << 12
                        try! senderCipher.encrypt(s, headerLength: 34, stamp: stamp, random: random)
                    }
                    engine.handleDatagram(s, from: bPub)
                }
            }
        }
    }
    forward(1000) // warm-up: lazily created runtime state
    let before = mallocCount?()
    forward(5000)
    let after = mallocCount?()
    #expect(frameSink.frames == 6000)
    #expect(engine.statistics.txP2P == 6000)
    if let before, let after {
        #expect(after - before == 0, "allocations during 5000 forwarded frames each way")
    }
}

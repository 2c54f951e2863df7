import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

private let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)

/// Valid datagrams of every type an edge may receive, as sent by B or the supernode.
private func samples(for edge: TestEdge) -> [([UInt8], PeerSocket)] {
    let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
    return [
        (packetDatagram(src: macB, dst: macA, frame: frame), bPub),
        (packetDatagram(src: macB, dst: .broadcast, frame: Frames.arpRequest(from: macB, senderIP: ipB, targetIP: ipA), sock: bPub, fromSupernode: true), sn1Socket),
        (controlDatagram(.register(Register(srcMac: macB, dstMac: macA))), bPub),
        (controlDatagram(.register(Register(srcMac: macB, dstMac: macA, sock: bPub)), flags: [.fromSupernode]), sn1Socket),
        (controlDatagram(.registerAck(RegisterAck(cookie: edge.engine.peerCookie(macB), dstMac: macA, srcMac: macB))), bPub),
        (controlDatagram(.registerSuperAck(RegisterSuperAck(cookie: 1, edgeMac: macA, sock: bPub)), flags: [.socket, .fromSupernode]), sn1Socket),
        (controlDatagram(.peerInfo(PeerInfo(mac: macB, sock: bPub)), flags: [.fromSupernode]), sn1Socket),
        (controlDatagram(.queryPeer(QueryPeer(srcMac: macB, targetMac: macA))), bPub),
    ]
}

private func startedEdge(headerEncryption: Bool = false) -> TestEdge {
    let edge = TestEdge(headerEncryption: headerEncryption)
    edge.engine.start()
    edge.ackRegistration()
    return edge
}

@Test(arguments: [false, true])
func randomDatagramsAreCountedDrops(headerEncryption: Bool) {
    let edge = startedEdge(headerEncryption: headerEncryption)
    let random = FakeRandom(seed: 7)
    let before = edge.engine.statistics.totalDrops
    var count: UInt64 = 0
    for n in [0, 1, 2, 19, 20, 21, 33, 34, 35, 41, 100, 1500, 2048] {
        for _ in 0..<50 {
            var bytes = random.bytes(n)
            if !bytes.isEmpty && bytes[0] == 2 { bytes[0] = 3 } // never a valid version byte
            edge.receive(bytes, from: bPub)
            count += 1
        }
    }
    #expect(edge.engine.statistics.totalDrops - before == count)
    #expect(edge.sink.frames.isEmpty)
}

@Test func truncatedDatagramsAreCountedDrops() {
    let edge = startedEdge()
    for (bytes, source) in samples(for: edge) {
        for n in 0..<min(bytes.count, 36) {
            let before = edge.engine.statistics.totalDrops
            edge.receive(Array(bytes[..<n]), from: source)
            // Everything shorter than its message is malformed; a PACKET cut after its header has no
            // payload left for the transform.
            #expect(edge.engine.statistics.totalDrops == before + 1, "prefix \(n) of \(bytes.count)")
        }
    }
    #expect(edge.sink.frames.isEmpty)
}

@Test(arguments: [false, true])
func bitFlippedDatagramsNeverCrash(headerEncryption: Bool) {
    let edge = startedEdge(headerEncryption: headerEncryption)
    let cipher = HeaderCipher(community: testCommunity)
    let random = FakeRandom(seed: 11)
    var handled = 0
    for (plain, source) in samples(for: edge) {
        let bytes = headerEncryption
            ? cipher.seal(plain, headerLength: plain.count > 40 && plain[3] & 0x1F == 3 ? (plain[3] & 0x40 != 0 ? 42 : 34) : nil,
                          stamp: EdgeReplayWindow.stamp(edge.clock.wallTime))
            : plain
        for bit in 0..<(bytes.count * 8) {
            var flipped = bytes
            flipped[bit / 8] ^= 1 << (bit % 8)
            edge.receive(flipped, from: source)
            handled += 1
        }
        for _ in 0..<100 {
            var flipped = bytes
            for _ in 0..<4 { flipped[Int(random.next() % UInt64(flipped.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1) }
            edge.receive(flipped, from: source)
            handled += 1
        }
    }
    #expect(handled > 1000)
    #expect(edge.engine.statistics.totalDrops > 0)
    // Whatever reached the TAP is at least an Ethernet header long.
    #expect(edge.sink.frames.allSatisfy { $0.count >= 14 })
}

@Test func randomFramesNeverCrash() {
    let edge = startedEdge()
    let random = FakeRandom(seed: 5)
    var short = 0
    for _ in 0..<2000 {
        let n = Int(random.next() % 2100)
        if n < 14 || n > maxFrameLength { short += 1 }
        edge.send(frame: random.bytes(n))
    }
    #expect(edge.engine.statistics.drops(.txBadLength) == UInt64(short))
    #expect(edge.engine.statistics.transformTx + edge.engine.statistics.totalDrops == 2000)
}

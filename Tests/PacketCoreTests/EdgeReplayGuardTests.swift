import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// Issue 10 item 9: an edge with -H must refuse an exact replay of a datagram, whichever socket
// it comes from (the edge's old window let any copy within 160 ms of the newest stamp through).

private let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)
private let attacker = PeerSocket(ipv4: 0xCB00_7109, port: 61000)

@Suite struct EdgeReplayGuardTests {
    func sealedPacket(_ edge: TestEdge, stamp: UInt64, payloadByte: UInt8 = 0xAB) -> [UInt8] {
        let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
        return edge.cipher!.seal(packetDatagram(src: macB, dst: macA, frame: frame), headerLength: 34, stamp: stamp)
    }

    @Test func exactReplayReachesTheTapOnceFromAnySocket() throws {
        let edge = TestEdge(headerEncryption: true)
        edge.engine.start()
        let datagram = sealedPacket(edge, stamp: EdgeReplayWindow.stamp(edge.clock.wallTime, random12: 0x5A5))
        edge.receive(datagram, from: bPub)
        edge.receive(datagram, from: bPub)
        edge.receive(datagram, from: attacker)
        #expect(edge.sink.frames.count == 1)
        #expect(edge.engine.statistics.drops(.headerReplay) == 2)
    }

    @Test func tenCopiesOverTenSecondsFromTwoSocketsReachTheTapOnce() {
        let edge = TestEdge(headerEncryption: true)
        edge.engine.start()
        let datagram = sealedPacket(edge, stamp: EdgeReplayWindow.stamp(edge.clock.wallTime, random12: 0x123))
        for i in 0..<10 {
            edge.receive(datagram, from: i.isMultiple(of: 2) ? bPub : attacker)
            edge.advance(1)
        }
        #expect(edge.sink.frames.count == 1)
        #expect(edge.engine.statistics.drops(.headerReplay) == 9)
    }

    @Test func freshDatagramsWithTheSameStampStillPass() {
        // Two genuine datagrams may share a stamp; their IV bytes (random bits, checksum) differ.
        let edge = TestEdge(headerEncryption: true)
        edge.engine.start()
        let stamp = EdgeReplayWindow.stamp(edge.clock.wallTime)
        let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
        let plain = packetDatagram(src: macB, dst: macA, frame: frame)
        edge.receive(edge.cipher!.seal(plain, headerLength: 34, stamp: stamp, random: FakeRandom(seed: 1)), from: bPub)
        edge.receive(edge.cipher!.seal(plain, headerLength: 34, stamp: stamp, random: FakeRandom(seed: 2)), from: bPub)
        #expect(edge.sink.frames.count == 2)
        #expect(edge.engine.statistics.totalDrops == 0)
    }

    @Test func replayedSupernodeDatagramIsRefused() {
        // Via the supernode: the one guard per supernode remembers it too.
        let edge = TestEdge(headerEncryption: true)
        edge.engine.start()
        let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
        let relayed = edge.cipher!.seal(packetDatagram(src: macB, dst: macA, frame: frame, sock: bPub, fromSupernode: true),
                                        headerLength: 34, stamp: EdgeReplayWindow.stamp(edge.clock.wallTime))
        edge.receive(relayed, from: sn1Socket)
        edge.receive(relayed, from: sn1Socket)
        #expect(edge.sink.frames.count == 1)
        #expect(edge.engine.statistics.drops(.headerReplay) == 1)
    }
}

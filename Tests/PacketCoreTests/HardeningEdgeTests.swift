import Testing
import N2NWire
import LinuxSystem
import PacketCore
import TestSupport

// Issue 10 item 3: a third host claiming a P2P peer's MAC made the edge move the peer to it, send it
// the REGISTER cookie, accept the echo and send it the peer's traffic. Real EdgeEngines and the real
// SupernodeEngine over TestSupport's in-memory network (null transform: a PACKET proves nothing).

private let snSocket = PeerSocket(ipv4: 0xC000_0201, port: 7654)
private let attacker = PeerSocket(ipv4: 0xCB00_71EE, port: 6666)
private func mac(_ n: UInt8) -> MACAddress { MACAddress(0x02, 0, 0, 0, 0x0B, n) }
private func tapIP(_ n: UInt8) -> UInt32 { 0x0A63_0000 | UInt32(n) }

@Suite struct HardeningEdgeTests {
    func twoEdgesP2P() -> (SimulatedWorld, SimulatedEdge, SimulatedEdge) {
        let world = SimulatedWorld()
        world.addSupernode(at: snSocket)
        var edges: [SimulatedEdge] = []
        for n: UInt8 in 1...2 {
            edges.append(world.addEdge(mac: mac(n), local: PeerSocket(ipv4: 0xC633_6400 | UInt32(n), port: 50000),
                                       supernodes: [snSocket]) { $0.tapIPv4 = tapIP(n) })
        }
        world.start()
        let (a, b) = (edges[0], edges[1])
        a.send(frame: frame(a, b))
        world.network.deliver()
        world.advance(seconds: 3)
        b.send(frame: frame(b, a))
        world.advance(seconds: 3)
        return (world, a, b)
    }

    func frame(_ from: SimulatedEdge, _ to: SimulatedEdge) -> [UInt8] {
        let n = { (e: SimulatedEdge) in UInt32(e.mac.octets[5]) }
        return Frames.ipv4(dst: to.mac, src: from.mac, srcIP: tapIP(UInt8(n(from))), dstIP: tapIP(UInt8(n(to))))
    }

    func peerSocket(_ edge: SimulatedEdge, _ peer: SimulatedEdge) -> String? {
        edge.engine.snapshot().peers.first { $0.table == .known && $0.mac == "\(peer.mac)" }?.socket
    }

    func forgedRegister(claiming b: SimulatedEdge, to a: SimulatedEdge) -> [UInt8] {
        try! WireCodec.encode(CommonHeader(code: .register, community: Community("mynet")),
                              .register(Register(cookie: 0x1234, srcMac: b.mac, dstMac: a.mac)))
    }

    @Test func strangerCannotMoveALivePeer() throws {
        let (world, a, b) = twoEdgesP2P()
        var toAttacker: [[UInt8]] = []
        world.network.attach(attacker) { bytes, _ in toAttacker.append(Array(bytes)) }
        let bSocket = try #require(peerSocket(a, b))
        #expect(bSocket == "\(b.local)")

        // B is talking to A; the attacker claims B's MAC from its own socket, by REGISTER and PACKET.
        b.send(frame: frame(b, a))
        world.advance(seconds: 1.5)
        world.network.send(forgedRegister(claiming: b, to: a), from: attacker, to: a.local)
        world.network.send(packetDatagram(src: b.mac, dst: a.mac, frame: frame(b, a)), from: attacker, to: a.local)
        world.network.deliver()

        // A answers the REGISTER (an ACK with the attacker's own cookie), but sends it no REGISTER of
        // ours (no cookie to echo) and keeps B where it is.
        let registers = toAttacker.filter { (try? WireCodec.decode($0))?.header.code == .register }
        #expect(registers.isEmpty)
        #expect(peerSocket(a, b) == bSocket)
        #expect(a.engine.statistics.drops[.peerMoveRefused] >= 1)
        toAttacker.removeAll()
        let before = b.frames.count
        a.send(frame: frame(a, b))
        world.network.deliver()
        #expect(b.frames.count == before + 1)
        #expect(toAttacker.isEmpty)
    }

    /// The bound: once B's socket has been quiet for 5 s (as after a real NAT rebinding), a direct
    /// packet from the new socket is followed.
    @Test func aPeerWhoseSocketWentQuietIsFollowed() throws {
        let (world, a, b) = twoEdgesP2P()
        var toNew: [[UInt8]] = []
        world.network.attach(attacker) { bytes, _ in toNew.append(Array(bytes)) }
        world.advance(seconds: 6)
        world.network.send(forgedRegister(claiming: b, to: a), from: attacker, to: a.local)
        world.network.deliver()
        #expect(toNew.contains { (try? WireCodec.decode($0))?.header.code == .register })
    }
}

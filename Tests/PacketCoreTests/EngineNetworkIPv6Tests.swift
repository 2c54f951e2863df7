import Testing
import N2NWire
import PacketCore
import TestSupport

// Real EdgeEngines and the real SupernodeEngine with an IPv6 underlay (issue 17 item 3): two
// IPv6 edges go P2P over IPv6, an IPv4 edge in the same community reaches them through the
// supernode, and no datagram crosses families or names a socket its receiver cannot use.

private let snV4 = PeerSocket(ipv4: 0xC000_0201, port: 7654)                                   // 192.0.2.1
private let snV6 = PeerSocket(address: .v6(0x2001_0DB8_0000_0000, 1), port: 7654)              // [2001:db8::1]
private func mac(_ n: UInt8) -> MACAddress { MACAddress(0x02, 0, 0, 0, 0x0B, n) }
private func tapIP(_ n: UInt8) -> UInt32 { 0x0A64_0000 | UInt32(n) }                           // 10.100.0.n

@Suite struct EngineNetworkIPv6Tests {
    /// Edge 1 over IPv4 (an edge of ours without IPv6 behaves as a stock one would), 2 and 3 over IPv6.
    func world() -> (SimulatedWorld, SimulatedSupernode, [SimulatedEdge]) {
        let world = SimulatedWorld()
        let sn = world.addSupernode(at: snV4, alsoAt: [snV6])
        var edges: [SimulatedEdge] = []
        for n: UInt8 in 1...3 {
            let ipv6 = n > 1
            let local = ipv6 ? PeerSocket(address: .v6(0x2001_0DB8_0000_0100 | UInt64(n), 2), port: 50000)
                             : PeerSocket(ipv4: 0xC633_6400 | UInt32(n), port: 50000)
            edges.append(world.addEdge(mac: mac(n), local: local, supernodes: [ipv6 ? snV6 : snV4]) {
                $0.tapIPv4 = tapIP(n)
                $0.reachesIPv6 = ipv6
            })
        }
        world.start()
        return (world, sn, edges)
    }

    func unicast(_ from: SimulatedEdge, _ to: SimulatedEdge, _ a: UInt8, _ b: UInt8) -> [UInt8] {
        Frames.ipv4(dst: to.mac, src: from.mac, srcIP: tapIP(a), dstIP: tapIP(b))
    }

    func knownPeers(_ edge: SimulatedEdge) -> [String: EdgeSnapshot.Peer] {
        Dictionary(uniqueKeysWithValues: edge.engine.snapshot().peers.filter { $0.table == .known }.map { ($0.mac, $0) })
    }

    @Test func ipv6PeersGoP2PAndTheIPv4PeerIsRelayed() throws {
        let (world, sn, e) = world()
        #expect(sn.engine.edgeCount == 3)
        let registered = Dictionary(uniqueKeysWithValues: sn.engine.snapshot().edges.map { ($0.mac, $0.socket) })
        #expect(registered["\(e[1].mac)"] == "\(e[1].local)")
        #expect(registered["\(e[0].mac)"] == "\(e[0].local)")
        for _ in 0..<3 {
            for (i, j) in [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)] {
                e[i].send(frame: unicast(e[i], e[j], UInt8(i + 1), UInt8(j + 1)))
            }
            world.advance(seconds: 2)
        }
        // Every frame arrived: 3 rounds x 2 senders for each edge.
        #expect(e.map(\.frames.count) == [6, 6, 6])
        // The IPv6 pair is P2P over IPv6.
        let peer = try #require(knownPeers(e[1])["\(e[2].mac)"])
        #expect(peer.mode == .p2p)
        #expect(peer.socket == "\(e[2].local)")
        #expect(knownPeers(e[2])["\(e[1].mac)"]?.mode == .p2p)
        // Across families nothing is known: the supernode relays.
        #expect(knownPeers(e[0]).isEmpty)
        #expect(knownPeers(e[1])["\(e[0].mac)"] == nil)
        #expect(e[0].engine.statistics.txP2P == 0)

        let relayed = sn.engine.statistics.forwarded
        for _ in 0..<5 {
            e[0].send(frame: unicast(e[0], e[1], 1, 2))
            e[1].send(frame: unicast(e[1], e[2], 2, 3))
        }
        world.network.deliver()
        #expect(e[1].frames.count == 11 && e[2].frames.count == 11)
        #expect(sn.engine.statistics.forwarded == relayed + 5)     // only the IPv4 edge's frames

        // No datagram crossed families, and none named a socket of the other family.
        let deliveries = world.network.deliveries()
        #expect(!deliveries.isEmpty)
        for d in deliveries {
            #expect(d.from.sameFamily(as: d.to), "\(d.from) -> \(d.to)")
            if let sock = Self.sock(d.bytes) { #expect(sock.sameFamily(as: d.to), "\(sock) sent to \(d.to)") }
        }
    }

    @Test func broadcastReachesBothFamilies() {
        let (world, sn, e) = world()
        e[0].send(frame: Frames.arpRequest(from: e[0].mac, senderIP: tapIP(1), targetIP: tapIP(9)))
        e[1].send(frame: Frames.arpRequest(from: e[1].mac, senderIP: tapIP(2), targetIP: tapIP(9)))
        world.network.deliver()
        #expect(e.map(\.frames.count) == [1, 1, 2])
        #expect(sn.engine.statistics.broadcast == 4)
    }

    static func sock(_ bytes: [UInt8]) -> PeerSocket? {
        switch (try? WireCodec.decode(bytes))?.message {
        case .packet(let m)?: return m.sock
        case .register(let m)?: return m.sock
        case .peerInfo(let m)?: return m.sock
        case .registerSuperAck(let m)?: return m.sock
        default: return nil
        }
    }
}

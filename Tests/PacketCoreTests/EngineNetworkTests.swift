import Testing
import N2NWire
import LinuxSystem
import PacketCore
import TestSupport

// Real EdgeEngines against the real SupernodeEngine over TestSupport's in-memory network:
// registration, P2P through NATs, relay when P2P is impossible, fan-out, supernode restart.

private let snSocket = PeerSocket(ipv4: 0xC000_0201, port: 7654)          // 192.0.2.1
private func mac(_ n: UInt8) -> MACAddress { MACAddress(0x02, 0, 0, 0, 0x0A, n) }
private func tapIP(_ n: UInt8) -> UInt32 { 0x0A63_0000 | UInt32(n) }      // 10.99.0.n

@Suite struct EngineNetworkTests {
    /// `count` edges, each behind its own NAT (or none), registered with one supernode.
    func world(edges count: Int, mapping: InMemoryNetwork.Mapping? = .endpointIndependent, headerEncryption: Bool = false,
               interval: Int = 20) -> (SimulatedWorld, SimulatedSupernode, [SimulatedEdge]) {
        let world = SimulatedWorld()
        var options = SupernodeEngineOptions(whitelist: headerEncryption ? [Community("mynet")] : nil)
        options.rebindHoldoff = 0
        let sn = world.addSupernode(at: snSocket, options: options, headerEncryption: headerEncryption)
        var edges: [SimulatedEdge] = []
        for i in 1...count {
            let n = UInt8(i)
            let nat = mapping.map { world.network.addNAT(publicAddress: 0xCB00_7100 | UInt32(n), mapping: $0) }
            let local = nat == nil ? PeerSocket(ipv4: 0xC633_6400 | UInt32(n), port: 50000 + UInt16(n))
                                   : PeerSocket(ipv4: 0x0A00_0000 | UInt32(n) << 8 | 2, port: 50000)
            edges.append(world.addEdge(mac: mac(n), local: local, behind: nat, supernodes: [snSocket],
                                       headerEncryption: headerEncryption) {
                $0.tapIPv4 = tapIP(n)
                $0.dropMulticast = false
                $0.registrationInterval = interval
            })
        }
        world.start()
        return (world, sn, edges)
    }

    func unicast(_ from: SimulatedEdge, _ to: SimulatedEdge, _ a: UInt8, _ b: UInt8) -> [UInt8] {
        Frames.ipv4(dst: to.mac, src: from.mac, srcIP: tapIP(a), dstIP: tapIP(b))
    }

    func peerModes(_ edge: SimulatedEdge) -> [String: EdgeSnapshot.Peer.Mode] {
        Dictionary(uniqueKeysWithValues: edge.engine.snapshot().peers.filter { $0.table == .known }.map { ($0.mac, $0.mode) })
    }

    @Test func edgesRegisterWithTheRealSupernode() {
        let (_, sn, edges) = world(edges: 3)
        #expect(sn.engine.edgeCount == 3)
        let registered = sn.engine.snapshot().edges
        #expect(registered.map(\.mac) == edges.map { "\($0.mac)" })
        // The supernode sees each edge at its NAT's public socket.
        for (edge, entry) in zip(edges, registered) {
            #expect(entry.socket == "\(edge.nat!.publicSocket(of: edge.local)!)")
            #expect(edge.engine.snapshot().supernodes.first?.lastAckSecondsAgo == 0)
        }
    }

    @Test func p2pIsEstablishedThroughEndpointIndependentNATs() {
        let (world, sn, e) = world(edges: 2)
        // A's first frames go via the supernode while the edges punch holes.
        e[0].send(frame: unicast(e[0], e[1], 1, 2))
        world.network.deliver()
        world.advance(seconds: 3)
        e[1].send(frame: unicast(e[1], e[0], 2, 1))
        world.advance(seconds: 3)
        #expect(peerModes(e[0])["\(e[1].mac)"] == .p2p)
        #expect(peerModes(e[1])["\(e[0].mac)"] == .p2p)

        let relayed = sn.engine.statistics.forwarded
        let before = e[1].frames.count
        for _ in 0..<5 { e[0].send(frame: unicast(e[0], e[1], 1, 2)) }
        world.network.deliver()
        #expect(e[1].frames.count == before + 5)
        #expect(sn.engine.statistics.forwarded == relayed)   // nothing relayed any more
        #expect(e[0].engine.statistics.txP2P >= 5)
    }

    @Test func symmetricNATsFallBackToTheRelay() {
        let (world, sn, e) = world(edges: 2, mapping: .symmetric)
        for _ in 0..<4 {
            e[0].send(frame: unicast(e[0], e[1], 1, 2))
            e[1].send(frame: unicast(e[1], e[0], 2, 1))
            world.advance(seconds: 2)
        }
        // Every frame arrived, all through the supernode; no peer is used P2P.
        #expect(e[1].frames.count == 4 && e[0].frames.count == 4)
        #expect(peerModes(e[0]).values.allSatisfy { $0 != .p2p })
        #expect(peerModes(e[1]).values.allSatisfy { $0 != .p2p })
        #expect(e[0].engine.statistics.txP2P == 0 && e[1].engine.statistics.txP2P == 0)
        #expect(sn.engine.statistics.forwarded >= 8)
    }

    @Test func broadcastAndMulticastReachEveryOtherEdge() {
        let (world, sn, e) = world(edges: 4)
        e[0].send(frame: Frames.arpRequest(from: e[0].mac, senderIP: tapIP(1), targetIP: tapIP(9)))
        let group = MACAddress(0x01, 0x00, 0x5E, 0, 0, 0xFB)
        e[2].send(frame: Frames.ipv4(dst: group, src: e[2].mac, srcIP: tapIP(3), dstIP: 0xE000_00FB))
        world.network.deliver()
        // The broadcast reaches B, C and D; the multicast A, B and D.
        #expect(e.map(\.frames.count) == [1, 2, 1, 2])
        #expect(sn.engine.statistics.broadcast == 6)
        // Nobody gets its own frame back.
        #expect(e[0].frames.allSatisfy { Array($0[6..<12]) != e[0].mac.octets })
        #expect(e[2].frames.allSatisfy { Array($0[6..<12]) != e[2].mac.octets })
    }

    @Test func edgesReRegisterWithARestartedSupernodeWithinTheInterval() {
        let (world, sn, e) = world(edges: 3, interval: 10)
        #expect(sn.engine.edgeCount == 3)
        sn.restart()
        #expect(sn.engine.edgeCount == 0)
        world.advance(seconds: 10.5)
        #expect(sn.engine.edgeCount == 3)
        // Relaying works again.
        e[0].send(frame: Frames.arpRequest(from: e[0].mac, senderIP: tapIP(1), targetIP: tapIP(2)))
        world.network.deliver()
        #expect(e[1].frames.count == 1 && e[2].frames.count == 1)
    }

    @Test func p2pTrafficContinuesWhileTheSupernodeRestarts() {
        let (world, sn, e) = world(edges: 2, interval: 10)
        e[0].send(frame: unicast(e[0], e[1], 1, 2))
        world.advance(seconds: 3)
        e[1].send(frame: unicast(e[1], e[0], 2, 1))
        world.advance(seconds: 3)
        #expect(peerModes(e[0])["\(e[1].mac)"] == .p2p)
        sn.restart()
        // Both directions keep flowing directly (their keep-alive probes hold the path open).
        for _ in 0..<8 {
            e[0].send(frame: unicast(e[0], e[1], 1, 2))
            e[1].send(frame: unicast(e[1], e[0], 2, 1))
            world.advance(seconds: 1)
        }
        #expect(e[1].frames.count == 9 && e[0].frames.count == 9)
        #expect(sn.engine.statistics.forwarded == 0)
        #expect(sn.engine.edgeCount == 2)       // and registration came back within the interval
    }

    @Test func headerEncryptedCommunityEndToEnd() {
        // -H at every edge, the community listed at the supernode: registration, relay and P2P.
        let (world, sn, e) = world(edges: 2, headerEncryption: true)
        #expect(sn.engine.edgeCount == 2)
        #expect(sn.engine.communities[Community("mynet")]?.headerMode == .encrypted)
        e[0].send(frame: unicast(e[0], e[1], 1, 2))
        world.advance(seconds: 3)
        e[1].send(frame: unicast(e[1], e[0], 2, 1))
        world.advance(seconds: 3)
        #expect(e[1].frames.count == 1 && e[0].frames.count == 1)
        #expect(peerModes(e[0])["\(e[1].mac)"] == .p2p)
        #expect(e[0].engine.statistics.totalDrops == 0 && e[1].engine.statistics.totalDrops == 0)
    }

    @Test func networkNATFiltersUnsolicitedDatagrams() {
        let network = InMemoryNetwork()
        let nat = network.addNAT(publicAddress: 0xCB00_7101, mapping: .endpointIndependent)
        var got: [PeerSocket] = []
        let inside = PeerSocket(ipv4: 0x0A00_0102, port: 50000)
        network.attach(inside, behind: nat) { _, source in got.append(source) }
        let server = PeerSocket(ipv4: 0xC000_0201, port: 7654)
        let stranger = PeerSocket(ipv4: 0xC000_0202, port: 7654)
        network.attach(server) { _, _ in }
        network.send([1], from: inside, to: server)
        network.deliver()
        let outside = nat.publicSocket(of: inside)!
        #expect(network.deliveries(to: server).first?.from == outside)
        network.send([2], from: server, to: outside)
        network.send([3], from: stranger, to: outside)
        network.deliver()
        #expect(got == [server])
        #expect(network.lost == 1)
    }
}

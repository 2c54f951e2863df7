import Testing
import N2NWire
import LinuxSystem
import PacketCore
import TestSupport

// --igmp-snooping with real EdgeEngines and the real SupernodeEngine on the in-memory network:
// e1..e3 snoop, e4 is a stock edge (-E, no snooping). Hosts' reports enter at their edge's TAP.

private let snSocket = PeerSocket(ipv4: 0xC000_0201, port: 7654)
private func mac(_ n: UInt8) -> MACAddress { MACAddress(0x02, 0, 0, 0, 0x0B, n) }
private func tapIP(_ n: UInt8) -> UInt32 { 0x0A63_0000 | UInt32(n) }
private let g1: UInt32 = 0xEF01_0101   // 239.1.1.1
private let g2: UInt32 = 0xEF02_0202   // 239.2.2.2

@Suite struct EdgeSnoopingTests {
    func world(snooping: [Bool] = [true, true, true, false], settings: EdgeMulticastSettings = EdgeMulticastSettings(),
               p2p: Bool = true)
        -> (SimulatedWorld, SimulatedSupernode, [SimulatedEdge]) {
        let world = SimulatedWorld()
        var options = SupernodeEngineOptions()
        options.rebindHoldoff = 0
        let sn = world.addSupernode(at: snSocket, options: options)
        var edges: [SimulatedEdge] = []
        for (i, snoops) in snooping.enumerated() {
            let n = UInt8(i + 1)
            edges.append(world.addEdge(mac: mac(n), local: PeerSocket(ipv4: 0xC633_6400 | UInt32(n), port: 50000 + UInt16(n)),
                                       supernodes: [snSocket]) {
                $0.tapIPv4 = tapIP(n)
                $0.dropMulticast = false
                $0.allowRouting = true      // the test hosts' addresses are not on the TAP subnet
                $0.multicastSnooping = snoops ? settings : nil
                $0.allowP2P = p2p
            })
        }
        world.start()
        world.advance(seconds: 1)
        return (world, sn, edges)
    }

    func report(_ group: UInt32) -> [UInt8] { McastFrames.igmpFrame(dst: group, McastFrames.igmp(type: 0x16, group: group)) }
    func leave(_ group: UInt32) -> [UInt8] { McastFrames.igmpFrame(dst: 0xE000_0002, McastFrames.igmp(type: 0x17, group: group)) }
    func count(_ frame: [UInt8], at edge: SimulatedEdge) -> Int { edge.frames.count { $0 == frame } }

    @Test func aGroupGoesOnlyToTheEdgeThatJoinedIt() {
        let (world, _, e) = world()
        e[1].send(frame: report(g1))
        e[2].send(frame: report(g2))
        world.advance(seconds: 0.5)
        let data = McastFrames.udp4(to: g1)
        let sealedBefore = e[0].engine.statistics.transformTx
        e[0].send(frame: data)
        world.network.deliver()
        #expect(count(data, at: e[1]) == 1)
        #expect(count(data, at: e[2]) == 0)
        #expect(count(data, at: e[3]) == 0)
        #expect(e[0].engine.statistics.transformTx == sealedBefore + 1)
        let m = e[0].engine.snapshot().multicast!
        #expect(m.counters.framesReplicated == 1 && m.counters.copiesSent == 1)
        #expect(m.groups.map(\.group) == ["239.1.1.1", "239.2.2.2"])
        #expect(m.groups[0].listeners.map(\.listener) == ["\(e[1].mac)"])
        let text = String(decoding: Array("groups".utf8).withUnsafeBytes { e[0].engine.handleManagement($0) }.reply!, as: UTF8.self)
        #expect(text.contains("239.1.1.1 ipv4 listeners:1"))
        #expect(text.contains("replicated:1 copies:1"))
    }

    @Test func directListenersShareOneSealedDatagram() {
        let (world, _, e) = world()
        // Unicast both ways makes e2 and e3 direct peers of e1.
        for i in 1...2 {
            e[0].send(frame: Frames.ipv4(dst: e[i].mac, src: e[0].mac, srcIP: tapIP(1), dstIP: tapIP(UInt8(i + 1))))
            e[i].send(frame: Frames.ipv4(dst: e[0].mac, src: e[i].mac, srcIP: tapIP(UInt8(i + 1)), dstIP: tapIP(1)))
        }
        world.advance(seconds: 3)
        e[1].send(frame: report(g1))
        e[2].send(frame: report(g1))
        world.advance(seconds: 0.5)
        let data = McastFrames.udp4(to: g1)
        let sealed = e[0].engine.statistics.transformTx
        let p2p = e[0].engine.statistics.txP2P
        e[0].sink.clear()
        e[0].send(frame: data)
        world.network.deliver()
        #expect(e[0].engine.statistics.transformTx == sealed + 1)
        #expect(e[0].engine.statistics.txP2P == p2p + 2)
        // The test host's MAC is not e1's: e1 registered it at the supernode when it first sent
        // (a host behind the TAP); only the data PACKETs count here.
        let packets = e[0].sink.datagrams.filter { $0.decoded?.header.code == .packet }
        #expect(Set(packets.map(\.destination)) == [e[1].local, e[2].local])
        #expect(count(data, at: e[1]) == 1 && count(data, at: e[2]) == 1 && count(data, at: e[3]) == 0)
    }

    @Test func unknownGroupsLinkLocalAndBroadcastFlood() {
        let (world, _, e) = world()
        e[1].send(frame: report(g1))
        world.advance(seconds: 0.5)
        let unknown = McastFrames.udp4(to: 0xEF09_0909)
        let mdns = McastFrames.udp4(to: 0xE000_00FB)
        let broadcast = McastFrames.ethernet(dst: .broadcast, type: 0x0806, payload: [UInt8](repeating: 1, count: 28))
        for f in [unknown, mdns, broadcast] { e[0].send(frame: f) }
        world.network.deliver()
        for edge in e[1...] {
            #expect(count(unknown, at: edge) == 1)
            #expect(count(mdns, at: edge) == 1)
            #expect(count(broadcast, at: edge) == 1)
        }
    }

    @Test func aLeaveStopsTheGroupAfterTheLastMemberInterval() {
        let (world, _, e) = world()
        e[1].send(frame: report(g1))
        world.advance(seconds: 0.5)
        e[1].send(frame: leave(g1))
        world.advance(seconds: 0.5)
        let data = McastFrames.udp4(to: g1)
        e[0].send(frame: data)
        world.network.deliver()
        #expect(count(data, at: e[1]) == 1)    // still within the last-member query time
        world.advance(seconds: 2.5)
        e[0].send(frame: data)
        world.network.deliver()
        #expect(count(data, at: e[1]) == 1)
        #expect(count(data, at: e[2]) == 0 && count(data, at: e[3]) == 0)
        #expect(e[0].engine.snapshot().multicast!.counters.framesSuppressed == 1)
        // The querier (e1, the lowest address) asked for the group after the leave.
        let groupQuery = e[1].frames.contains { $0.count > 38 && $0[23] == 2 && $0[38] == 0x11 && Array($0[42..<46]) == [239, 1, 1, 1] }
        #expect(groupQuery)
    }

    @Test func aStockReceiverGetsTheGroupsItsHostReported() {
        let (world, sn, e) = world(p2p: false)
        e[3].send(frame: report(g2))       // e4 is stock: it floods the report, e1 learns from it
        world.advance(seconds: 0.5)
        let data = McastFrames.udp4(to: g2)
        let relayed = sn.engine.statistics.forwarded
        e[0].send(frame: data)
        world.network.deliver()
        #expect(count(data, at: e[3]) == 1)
        #expect(count(data, at: e[1]) == 0 && count(data, at: e[2]) == 0)
        // No direct path (-S): one copy through the supernode, addressed to e4 alone by its header.
        #expect(sn.engine.statistics.forwarded == relayed + 1)
    }

    @Test func theQuerierRunsOnTheLoopsDeadlineAndReachesItsOwnHost() {
        let settings = EdgeMulticastSettings(queryIntervalSeconds: 4, membershipTimeoutSeconds: 5)
        let (world, _, e) = world(snooping: [true, true], settings: settings)
        // The next query (one query interval after the startup ones) is in the loop's deadline.
        #expect(e[0].engine.nextDeadline <= world.clock.monotonicNanoseconds + 4_000_000_000)
        world.advance(seconds: 4)
        let m0 = e[0].engine.snapshot().multicast!
        #expect(m0.counters.queriesSent >= 2)
        #expect(m0.queriers.first { $0.family == "ipv4" }?.role == "querier")
        #expect(e[1].engine.snapshot().multicast!.queriers.first { $0.family == "ipv4" }?.role == "non-querier")
        // Our host's copy of the query comes from 0.0.0.0 (its own address would be a martian).
        let own = e[0].frames.filter { $0.count > 38 && $0[23] == 2 && $0[38] == 0x11 }
        #expect(own.contains { Array($0[26..<30]) == [0, 0, 0, 0] })
        #expect(!own.contains { Array($0[26..<30]) == [10, 99, 0, 1] })
    }

    @Test func theDeadlineIsARealTimeOnceStarted() {
        let world = SimulatedWorld()
        let edge = world.addEdge(mac: mac(1), local: PeerSocket(ipv4: 0xC633_6401, port: 50001), supernodes: [snSocket]) {
            $0.tapIPv4 = tapIP(1)
            $0.multicastSnooping = EdgeMulticastSettings()
        }
        // The runtime computes its poll timeout as deadline - now: a sentinel would overflow.
        let now = world.clock.monotonicNanoseconds
        edge.engine.start()
        #expect(edge.engine.nextDeadline >= now)
        #expect(edge.engine.snapshot().multicast!.counters.queriesSent >= 1)   // the start queried
    }

    @Test func withoutSnoopingEverythingFloods() {
        let (world, _, e) = world(snooping: [false, false, false, false])
        e[1].send(frame: report(g1))
        world.advance(seconds: 0.5)
        let data = McastFrames.udp4(to: g1)
        e[0].send(frame: data)
        world.network.deliver()
        for edge in e[1...] { #expect(count(data, at: edge) == 1) }
        #expect(e[0].engine.snapshot().multicast == nil)
        let text = String(decoding: Array("groups".utf8).withUnsafeBytes { e[0].engine.handleManagement($0) }.reply!, as: UTF8.self)
        #expect(text == "igmp snooping off\n")
    }
}

/// Workers of one edge share one table: what one data plane learns, the other replicates by.
@Test func dataPlanesGivenOneSharedSnooperShareItsTable() throws {
    let settings = EdgeMulticastSettings()
    let shared = SharedMulticastSnooper(settings: settings, mac: macA, ipv4: ipA)
    func worker() -> TestEdge {
        let edge = TestEdge {
            $0.multicastSnooping = settings; $0.dropMulticast = false; $0.allowRouting = true; $0.sharedSnooper = shared
        }
        edge.engine.start()
        edge.ackRegistration()
        return edge
    }
    let first = worker(), second = worker()
    #expect(first.engine.worker.snooping?.shared === shared)
    let group: UInt32 = 0xEF01_0101
    first.send(frame: McastFrames.igmpFrame(dst: group, McastFrames.igmp(type: 0x16, group: group)))
    let groups = try #require(second.engine.snapshot().multicast).groups
    #expect(groups.map(\.group) == ["239.1.1.1"])
    #expect(groups.first?.listeners.map(\.listener) == ["local"])
    // Without a shared table each data plane keeps its own.
    let alone = TestEdge { $0.multicastSnooping = settings; $0.dropMulticast = false }
    #expect(alone.engine.snapshot().multicast?.groups.isEmpty == true)
}

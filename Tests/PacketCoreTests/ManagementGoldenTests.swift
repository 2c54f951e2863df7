import Foundation
import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// Golden management replies (fixed clock, fixed peers), pinned byte for byte before the
// engines moved to snapshots and renderers. A change here is a change seen by 2.8 tools.

private let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)    // 203.0.113.6
private let cPub = PeerSocket(ipv4: 0xCB00_7107, port: 50001)    // 203.0.113.7

@Suite struct ManagementGoldenTests {
    /// An edge with one literal and one unresolved supernode, a pending and a known peer, drops.
    func busyEdge() -> TestEdge {
        let clock = ManualClock(wall: WallTime(seconds: 1_700_000_000))
        let edge = TestEdge(supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654),
                                         SupernodeAddress(host: "sn.example", port: 7655)],
                            clock: clock)
        edge.engine.start()
        clock.advance(seconds: 2)
        edge.ackRegistration()
        clock.advance(seconds: 1)
        let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
        edge.receive(packetDatagram(src: macB, dst: macA, frame: frame, sock: bPub, fromSupernode: true), from: sn1Socket)
        // C registers directly; we answer, then our REGISTER to C is acknowledged: C is known.
        edge.receive(controlDatagram(.register(Register(cookie: 7, srcMac: macC, dstMac: macA))), from: cPub)
        let cookie = edge.sink.datagrams.compactMap { d -> UInt32? in
            if case .register(let r)? = d.decoded?.message, r.dstMac == macC { return r.cookie }
            return nil
        }.last ?? 0
        edge.receive(controlDatagram(.registerAck(RegisterAck(cookie: cookie, dstMac: macA, srcMac: macC))), from: cPub)
        edge.receive(packetDatagram(src: macC, dst: macA, frame: frame), from: cPub)
        edge.receive(packetDatagram(src: macB, dst: macA, frame: frame, community: Community("other")), from: bPub)
        edge.receive(packetDatagram(src: macB, dst: macA, frame: frame, community: Community("other")), from: bPub)
        edge.send(frame: [1, 2, 3])
        clock.advance(seconds: 4)
        return edge
    }

    @Test func edgeStatistics() {
        let edge = busyEdge()
        #expect(edge.managementText("\n") == """
            Statistics for edge
            uptime 7
            paths  super:0,1 p2p:0,1
            transop |     0|     2|
            peers  pend:1 full:1
            last super:1700000003(4 sec ago) p2p:1700000003(4 sec ago)
            dropped 3
            drops  other_community:2 tx_bad_length:1

            """)
    }

    @Test func edgePeers() {
        let edge = busyEdge()
        #expect(edge.managementText("peers") == """
            02:00:00:00:00:02 203.0.113.6:50000 pending
            02:00:00:00:00:03 203.0.113.7:50001 p2p

            """)
    }

    @Test func edgeSupernodes() {
        let edge = busyEdge()
        #expect(edge.managementText("supernodes") == """
            198.51.100.1:7654 198.51.100.1:7654 current last_ack:5
            sn.example:7655 unresolved standby last_ack:never

            """)
    }

    @Test func edgeExitSummary() {
        let edge = busyEdge()
        #expect(edge.engine.exitSummary == [
            "Packet stats:", "    TX P2P: 0 pkts", "    RX P2P: 1 pkts",
            "    TX Supernode: 0 pkts (0 broadcast)", "    RX Supernode: 1 pkts (0 broadcast)", "    dropped: 3",
        ])
    }

    typealias F = Fixture

    /// A supernode with two communities, three edges, relayed traffic and drops.
    func busySupernode() -> SupernodeHarness {
        let h = SupernodeHarness()
        h.advance(seconds: 3)
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        h.advance(seconds: 2)
        h.receive(F.registerSuper(F.macC, community: Community("zeta")), from: F.sockC)
        h.receive(F.packet(from: F.macA, to: F.macB), from: F.sockA)
        h.receive(F.packet(from: F.macA, to: .broadcast), from: F.sockA)
        h.receive(F.packet(from: F.macA, to: F.macC), from: F.sockA)
        h.receive([0x02, 0x02, 0x00], from: F.sockC)
        h.advance(seconds: 6)
        return h
    }

    @Test func supernodeReport() {
        let h = busySupernode()
        #expect(h.engine.managementReport() == [
            "----------------\n"
                + "uptime    11\n"
                + "edges     3\n"
                + "errors    0\n"
                + "reg_sup   3\n"
                + "reg_nak   0\n"
                + "fwd       1\n"
                + "broadcast 1\n"
                + "last fwd  6 sec ago\n"
                + "last reg  6 sec ago\n"
                + "cur_cmnts 2\n"
                + "dropped   2\n"
                + "  too_short 1\n"
                + "  unknown_destination 1\n"
                + "community: mynet\n",
            "\t[id: 1][MAC: 02:00:00:00:00:01][edge: 198.51.100.1:50001][last seen: 8 sec ago]\n",
            "\t[id: 2][MAC: 02:00:00:00:00:02][edge: 198.51.100.2:50002][last seen: 8 sec ago]\n",
            "community: zeta\n",
            "\t[id: 1][MAC: 02:00:00:00:00:03][edge: 198.51.100.3:50003][last seen: 6 sec ago]\n",
            "\n",
        ])
    }

    @Test func supernodeEdgeDump() {
        let h = busySupernode()
        #expect(h.engine.edgeDump() == [
            "2 communities, 3 edges",
            "community mynet (open, header plain): 2 edges",
            "  02:00:00:00:00:01 at 198.51.100.1:50001, last seen 8 s ago",
            "  02:00:00:00:00:02 at 198.51.100.2:50002, last seen 8 s ago",
            "community zeta (open, header plain): 1 edges",
            "  02:00:00:00:00:03 at 198.51.100.3:50003, last seen 6 s ago",
        ])
    }

    // MARK: - Snapshots

    @Test func snapshotsRoundTripThroughJSON() throws {
        let edge = busyEdge().engine.snapshot()
        let sn = busySupernode().engine.snapshot()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let edgeJSON = try encoder.encode(edge)
        let snJSON = try encoder.encode(sn)
        #expect(try JSONDecoder().decode(EdgeSnapshot.self, from: edgeJSON) == edge)
        #expect(try JSONDecoder().decode(SupernodeSnapshot.self, from: snJSON) == sn)
        // Drop reasons read as their counter names.
        let text = String(decoding: edgeJSON, as: UTF8.self)
        #expect(text.contains(#"{"count":2,"reason":"other_community"}"#))
        #expect(text.contains(#""mode":"p2p""#))
    }

    @Test func edgeSnapshotHoldsWhatTheRepliesShow() {
        let s = busyEdge().engine.snapshot()
        #expect(s.community == "mynet" && s.mac == "02:00:00:00:00:01")
        #expect(s.peers.map(\.table) == [.pending, .known])
        #expect(s.peers.map(\.mode) == [.viaSupernode, .p2p])
        #expect(s.peers.map(\.lastSeenSecondsAgo) == [4, 4])
        #expect(s.supernodes.map(\.current) == [true, false])
        #expect(s.drops == [DropCount(reason: .otherCommunity, count: 2), DropCount(reason: .txBadLength, count: 1)])
    }

    @Test func renderersNeedOnlyASnapshot() {
        // A snapshot made by hand (as a JSON client would receive it) renders the same 2.8 text.
        let s = SupernodeSnapshot(
            uptimeSeconds: 5, wallTime: 1_700_000_000, edgeCount: 1,
            communities: [.init(name: "c", listed: true, headerMode: "plain", edgeCount: 1)],
            edges: [.init(community: "c", mac: "02:00:00:00:00:09", socket: "192.0.2.9:7", lastSeenSecondsAgo: 3)],
            counters: .init(errors: 0, registerSuper: 1, registerSuperNak: 0, forwarded: 0, broadcast: 0, replies: 1,
                            lastForwardSecondsAgo: nil, lastRegisterSecondsAgo: 3),
            dropped: 0, drops: [])
        #expect(SupernodeManagementText.report(s) == [
            "----------------\nuptime    5\nedges     1\nerrors    0\nreg_sup   1\nreg_nak   0\nfwd       0\n"
                + "broadcast 0\nlast fwd  1700000000 sec ago\nlast reg  3 sec ago\ncur_cmnts 1\ndropped   0\ncommunity: c\n",
            "\t[id: 1][MAC: 02:00:00:00:00:09][edge: 192.0.2.9:7][last seen: 3 sec ago]\n",
            "\n",
        ])
        #expect(SupernodeManagementText.edgeDump(s) == [
            "1 communities, 1 edges",
            "community c (listed, header plain): 1 edges",
            "  02:00:00:00:00:09 at 192.0.2.9:7, last seen 3 s ago",
        ])
    }
}

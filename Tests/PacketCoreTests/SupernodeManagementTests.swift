import N2NWire
import Testing
import LinuxSystem
@testable import PacketCore

@Suite struct SupernodeManagementTests {
    typealias F = Fixture

    @Test func reportFollowsTheSpecLayout() {
        let h = SupernodeHarness()
        let t0 = h.now
        let macZ = MACAddress(0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x0F)
        h.advance(seconds: 10)
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.advance(seconds: 10)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        h.receive(F.registerSuper(macZ, community: Community("zeta")), from: F.sockC)
        h.advance(seconds: 5)
        h.receive(F.packet(from: F.macA, to: F.macB), from: F.sockA)
        h.advance(seconds: 5)
        #expect(h.now.seconds - t0.seconds == 30)

        let report = h.engine.managementReport()
        #expect(report == [
            "----------------\n"
                + "uptime    30\n"
                + "edges     3\n"
                + "errors    0\n"
                + "reg_sup   3\n"
                + "reg_nak   0\n"
                + "fwd       1\n"
                + "broadcast 0\n"
                + "last fwd  5 sec ago\n"
                + "last reg  10 sec ago\n"
                + "cur_cmnts 2\n"
                + "dropped   0\n"
                + "community: mynet\n",
            "\t[id: 1][MAC: 02:00:00:00:00:01][edge: 198.51.100.1:50001][last seen: 20 sec ago]\n",
            "\t[id: 2][MAC: 02:00:00:00:00:02][edge: 198.51.100.2:50002][last seen: 10 sec ago]\n",
            "community: zeta\n",
            "\t[id: 1][MAC: AA:BB:CC:DD:EE:0F][edge: 198.51.100.3:50003][last seen: 10 sec ago]\n",
            "\n",
        ])
    }

    @Test func reportWithoutCommunitiesIsOneDatagramWithDropCounters() {
        let h = SupernodeHarness()
        h.receive(Array(repeating: 0xFF, count: 25), from: F.sockA)
        h.receive(Array(repeating: 0x02, count: 10), from: F.sockA)
        h.receive(Array(repeating: 0x02, count: 12), from: F.sockA)
        h.advance(seconds: 7)
        let report = h.engine.managementReport()
        let never = h.now.seconds          // 2.8 prints the age of time 0 until something happens
        #expect(report == [
            "----------------\n"
                + "uptime    7\n"
                + "edges     0\n"
                + "errors    0\n"
                + "reg_sup   0\n"
                + "reg_nak   0\n"
                + "fwd       0\n"
                + "broadcast 0\n"
                + "last fwd  \(never) sec ago\n"
                + "last reg  \(never) sec ago\n"
                + "cur_cmnts 0\n"
                + "dropped   3\n"
                + "  too_short 2\n"
                + "  bad_version 1\n"
                + "\n",
        ])
    }

    @Test func emptyRequestGetsNoReplyAndAnythingElseTheReport() {
        let h = SupernodeHarness()
        let empty: [UInt8] = []
        #expect(empty.withUnsafeBytes { h.engine.managementResponse(to: $0) }.isEmpty)
        let newline: [UInt8] = [0x0A]
        let report = newline.withUnsafeBytes { h.engine.managementResponse(to: $0) }
        #expect(report.count == 1)
        #expect(report.first?.hasPrefix("----------------\nuptime    0\n") == true)
        // The engine keeps working afterwards.
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockA).count == 1)
    }

    @Test func edgeDumpListsEveryEdge() {
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: ["mynet"]))
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.advance(seconds: 4)
        #expect(h.engine.edgeDump() == [
            "1 communities, 1 edges",
            "community mynet (listed, header plain): 1 edges",
            "  02:00:00:00:00:01 at 198.51.100.1:50001, last seen 4 s ago",
        ])
    }
}

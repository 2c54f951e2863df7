import Foundation
import Testing
@testable import PacketCore

/// The status pages' renderers and the history behind their charts, from hand-made snapshots:
/// what an operator must see is there, everything from the network is escaped, the page needs
/// nothing from outside, and `/status.json` is valid JSON carrying the API's rows.
@Suite struct StatusPageTests {
    static func edgeView(samples: Int = 3) -> StatusView<EdgeSnapshot> {
        var s = ManagementJSONTests.edgeSnapshot
        s.multicast = MulticastSnapshot(
            groups: [.init(group: "239.1.1.1", family: "ipv4", flooded: false, listeners: [
                        .init(listener: "local", ageSeconds: 5, expiresInSeconds: 255, leaving: false),
                        .init(listener: "02:00:00:00:00:03", ageSeconds: 9, expiresInSeconds: 250, leaving: false)]),
                     .init(group: "239.9.9.9", family: "ipv4", flooded: false, listeners: [])],
            queriers: [], counters: MulticastCounters(), tableCounters: MembershipTableCounters())
        var history = StatusHistory(series: EdgeSnapshot.statusSeries)
        for i in 0..<samples {
            var t = s
            t.wallTime = 1_000 + Int64(i) * 5
            t.counters.txP2P = UInt64(i) * 50       // 10 frames/s
            t.drops = [DropCount(reason: .tooShort, count: UInt64(i) * 5)]
            history.record(at: t.statusSeconds, t.statusValues)
        }
        return StatusView(snapshot: s, history: history)
    }

    @Test func historyKeepsOneSamplePerIntervalAndIsBounded() {
        var h = StatusHistory(series: ["a", "b"], interval: 5, capacity: 4)
        h.record(at: 100, [0, 0])
        h.record(at: 103, [9, 9])            // too soon: ignored
        h.record(at: 105, [50, 10])
        h.record(at: 105, [1])               // wrong width: ignored
        #expect(h.samples.map(\.seconds) == [100, 105])
        #expect(h.rates(0) == [10])
        for t in stride(from: Int64(110), through: 140, by: 5) { h.record(at: t, [UInt64(t) * 10, 0]) }
        #expect(h.samples.count == 4)
        #expect(h.samples.map(\.seconds) == [125, 130, 135, 140])
        #expect(h.spanSeconds == 15)
        #expect(h.growth(0) == 150)
        #expect(h.rates(0) == [10, 10, 10])
        h.record(at: 146, [0, 0])            // the counter went down: no traffic, not a huge rate
        #expect(h.rates(0).last == 0)
        h.record(at: 10, [1, 1])             // the clock went back: start afresh
        #expect(h.samples.map(\.seconds) == [10])
        #expect(h.rates(0).isEmpty)
        #expect(h.rates(7).isEmpty)
    }

    @Test func recordingHookKeepsTheHistoryAcrossPublishes() {
        var published: [StatusView<SupernodeSnapshot>] = []
        let publish = StatusView<SupernodeSnapshot>.recording { published.append($0) }
        var s = ManagementJSONTests.supernodeSnapshot
        for second in 0...10 {
            s.uptimeSeconds = Int64(second)
            s.counters.forwarded = UInt64(second) * 100
            publish(s)
        }
        #expect(published.count == 11)
        #expect(published.last?.history.samples.map(\.seconds) == [0, 5, 10])
        #expect(published.last?.history.rates(0) == [100, 100])
    }

    @Test func edgePageShowsWhatAnOperatorLooksAt() {
        let html = EdgeStatusPage.html(Self.edgeView())
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<meta http-equiv=\"refresh\" content=\"5\">"))
        #expect(html.contains("community <b>demo</b>"))
        // Supernodes: which one is in use.
        #expect(html.contains("<td><code>sn.example:7654</code></td><td><code>10.0.0.1:7654</code></td><td><b>in use</b></td><td>5 s ago</td>"))
        #expect(html.contains("<td><code>sn2:7654</code></td><td><span class=\"muted\">unresolved</span></td><td>standby</td><td>never</td>"))
        // Peers: P2P, relayed, and pending with last seen.
        #expect(html.contains("<td><code>02:00:00:00:00:03</code></td><td><code>10.0.0.3:7777</code></td><td><span class=\"p2p\">P2P</span></td><td>1 s ago</td>"))
        #expect(html.contains("<td><code>02:00:00:00:00:04</code></td><td><code>10.0.0.4:7777</code></td><td><span class=\"relay\">relayed</span></td><td>9 s ago</td>"))
        #expect(html.contains("(probing)"))
        // Groups and their listeners.
        #expect(html.contains("<td><code>239.1.1.1</code></td><td>this host</td>"))
        #expect(html.contains("<td><code>239.1.1.1</code></td><td><code>02:00:00:00:00:03</code></td>"))
        #expect(html.contains("<td><code>239.9.9.9</code></td><td><span class=\"muted\">none</span></td>"))
        // Charts are inline SVG with a line per direction; the P2P tx rate is 10 frames/s.
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)   // 3 traffic charts, 1 drop reason
        #expect(html.contains("&#9632;</span> tx 10"))
        #expect(html.contains("<code>too_short</code></td><td class=\"n\">4</td><td class=\"n\">10</td>"))
        // Self-contained: no script, no external asset.
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("src="))
        #expect(!html.contains("http://") && !html.contains("https://"))
    }

    @Test func freshPageSaysItIsCollectingSamples() {
        let html = EdgeStatusPage.html(Self.edgeView(samples: 1))
        #expect(html.contains("collecting samples"))
        #expect(!html.contains("<polyline"))
        var off = Self.edgeView(samples: 0)
        off.snapshot.multicast = nil
        #expect(EdgeStatusPage.html(off).contains("Snooping is off"))
    }

    @Test func everythingFromTheNetworkIsEscaped() {
        var view = Self.edgeView()
        view.snapshot.community = "<script>alert('x')</script>"
        view.snapshot.peers[0].socket = "\"><img src=x>"
        let html = EdgeStatusPage.html(view)
        #expect(!html.contains("<script>") && !html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x&gt;"))
        var sn = StatusView(snapshot: ManagementJSONTests.supernodeSnapshot, history: StatusHistory(series: SupernodeSnapshot.statusSeries))
        sn.snapshot.communities[0].name = "<b>x</b>"
        sn.snapshot.edges[0].community = "<b>x</b>"
        #expect(!SupernodeStatusPage.html(sn).contains("<b>x</b>"))
    }

    @Test func supernodePageShowsCommunitiesEdgesAndRefusals() {
        var history = StatusHistory(series: SupernodeSnapshot.statusSeries)
        var s = ManagementJSONTests.supernodeSnapshot
        for i in 0..<3 {
            s.uptimeSeconds = Int64(i) * 5
            s.counters.forwarded = UInt64(i) * 25
            s.counters.registerSuperNak = UInt64(i)
            history.record(at: s.statusSeconds, s.statusValues)
        }
        s.drops = [DropCount(reason: .tooShort, count: 2)]
        s.dropped = 2
        let html = SupernodeStatusPage.html(StatusView(snapshot: s, history: history))
        #expect(html.contains("supernode: 1 communities, 2 edges"))
        #expect(html.contains("<td><b>demo</b></td><td class=\"n\">2</td><td>listed (-c)</td><td>plain</td>"))
        #expect(html.contains("<td>demo</td><td><code>02:00:00:00:00:02</code></td><td><code>10.0.0.2:7777</code></td><td>4 s ago</td>"))
        #expect(html.contains("2 registrations refused"))
        #expect(html.contains("&#9632;</span> forwarded 5"))
        #expect(html.contains("&#9632;</span> refused 0.2"))
        #expect(html.contains("<code>too_short</code>"))
    }

    @Test func longTablesAreCutAndSaySo() {
        var view = StatusView(snapshot: ManagementJSONTests.supernodeSnapshot, history: StatusHistory(series: SupernodeSnapshot.statusSeries))
        view.snapshot.edges = (0..<500).map { .init(community: "demo", mac: "02:00:00:00:\($0 / 256):\($0 % 256)", socket: "10.0.0.1:1", lastSeenSecondsAgo: 1) }
        let html = SupernodeStatusPage.html(view)
        #expect(html.components(separatedBy: "<td>demo</td>").count - 1 == StatusHTML.rowLimit)
        #expect(html.contains("and 300 more rows (all in status.json)."))
    }

    @Test func statusJSONIsValidAndCarriesTheAPIRows() throws {
        let view = Self.edgeView()
        let object = try #require(JSONSerialization.jsonObject(with: Data(EdgeStatusPage.json(view).utf8)) as? [String: Any])
        #expect(object["program"] as? String == "edge")
        #expect(object["community"] as? String == "demo")
        let edges = try #require(object["edges"] as? [[String: Any]])
        #expect(edges.map { $0["macaddr"] as? String } == ["02:00:00:00:00:02", "02:00:00:00:00:03", "02:00:00:00:00:04"])
        #expect(edges.map { $0["mode"] as? String } == ["pSp", "p2p", "pSp"])
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.compactMap { $0["listener"] as? String } == ["local", "02:00:00:00:00:03", ""])
        let history = try #require(object["history"] as? [String: Any])
        #expect(history["times"] as? [Int] == [1000, 1005, 1010])
        let series = try #require(history["series"] as? [String: [Int]])
        #expect(series["tx_p2p"] == [0, 50, 100])
        #expect(series["drop_too_short"] == [0, 5, 10])
        #expect(series["drop_truncated"] == nil)       // all-zero drop series are left out
        #expect(series["rx_broadcast"] == [2, 2, 2])   // traffic series always there

        let sn = StatusView(snapshot: ManagementJSONTests.supernodeSnapshot, history: StatusHistory(series: SupernodeSnapshot.statusSeries))
        let snObject = try #require(JSONSerialization.jsonObject(with: Data(SupernodeStatusPage.json(sn).utf8)) as? [String: Any])
        #expect((snObject["communities"] as? [[String: Any]])?.first?["edges"] as? Int == 2)
        #expect((snObject["edges"] as? [[String: Any]])?.count == 2)
    }
}

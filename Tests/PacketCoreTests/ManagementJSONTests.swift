import Foundation
import Testing
@testable import PacketCore

/// The n2n 3.x JSON API: request parsing, the auth rule, begin/row/end framing, every method.
@Suite struct ManagementJSONTests {
    static let edgeSnapshot = EdgeSnapshot(
        community: "demo", mac: "02:00:00:00:00:01", wallTime: 1_000, startWallTime: 900,
        peers: [
            .init(mac: "02:00:00:00:00:02", socket: "10.0.0.2:7777", table: .pending, mode: .viaSupernode, lastSeenSecondsAgo: 3),
            .init(mac: "02:00:00:00:00:03", socket: "10.0.0.3:7777", table: .known, mode: .p2p, lastSeenSecondsAgo: 1),
            .init(mac: "02:00:00:00:00:04", socket: "10.0.0.4:7777", table: .known, mode: .viaSupernode, lastSeenSecondsAgo: 9),
        ],
        supernodes: [.init(configured: "sn.example:7654", address: "10.0.0.1:7654", current: true, lastAckSecondsAgo: 5),
                     .init(configured: "sn2:7654", address: nil, current: false, lastAckSecondsAgo: nil)],
        counters: .init(txSupernode: 5, rxSupernode: 6, txSupernodeBroadcast: 1, rxSupernodeBroadcast: 2, txP2P: 7, rxP2P: 8,
                        transformTx: 12, transformRx: 14, lastSupernode: 995, lastP2P: 999),
        dropped: 4, drops: [DropCount(reason: DropReason.allCases[0], count: 4)])

    static let supernodeSnapshot = SupernodeSnapshot(
        uptimeSeconds: 100, wallTime: 2_000, edgeCount: 2,
        communities: [.init(name: "demo", listed: true, headerMode: "plain", edgeCount: 2)],
        edges: [.init(community: "demo", mac: "02:00:00:00:00:02", socket: "10.0.0.2:7777", lastSeenSecondsAgo: 4),
                .init(community: "demo", mac: "02:00:00:00:00:03", socket: "10.0.0.3:7777", lastSeenSecondsAgo: 2)],
        counters: .init(errors: 0, registerSuper: 3, registerSuperNak: 1, forwarded: 10, broadcast: 2, replies: 4,
                        lastForwardSecondsAgo: 1, lastRegisterSecondsAgo: nil),
        dropped: 0, drops: [])

    func edge(_ text: String, verbosity: Int = 2) -> ManagementOutcome {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes {
            EdgeManagementJSON(password: "n2n").handle(UnsafeRawBufferPointer($0), verbosity: verbosity) { Self.edgeSnapshot }
        }
    }

    func supernode(_ text: String) -> ManagementOutcome {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes {
            SupernodeManagementJSON(password: "pw").handle(UnsafeRawBufferPointer($0), verbosity: 2) { Self.supernodeSnapshot }
        }
    }

    func objects(_ outcome: ManagementOutcome) -> [[String: Any]] {
        outcome.datagrams.map { datagram in
            let parsed = try? JSONSerialization.jsonObject(with: Data(datagram.utf8))
            #expect(parsed is [String: Any], "not a JSON object: \(datagram)")
            return parsed as? [String: Any] ?? [:]
        }
    }

    /// begin (cmd = method) ... rows ... end, every datagram tagged; returns the rows.
    func rows(_ outcome: ManagementOutcome, tag: String, method: String) -> [[String: Any]] {
        let o = objects(outcome)
        #expect(o.count >= 2)
        #expect(o.allSatisfy { $0["_tag"] as? String == tag })
        #expect(o.first?["_type"] as? String == "begin")
        #expect(o.first?["cmd"] as? String == method)
        #expect(o.last?["_type"] as? String == "end")
        let middle = o.dropFirst().dropLast()
        #expect(middle.allSatisfy { $0["_type"] as? String == "row" })
        return Array(middle)
    }

    func error(_ outcome: ManagementOutcome) -> String? {
        let o = objects(outcome)
        #expect(o.count == 1)
        #expect(o.first?["_type"] as? String == "error")
        return o.first?["error"] as? String
    }

    // MARK: - Requests

    @Test func parsesTagFlagsAuthMethodAndArguments() throws {
        let text = "w 17:1:sec:ret verbose  3 \n"
        var bytes = Array(text.utf8)
        let r = try bytes.withUnsafeMutableBytes { try ManagementRequest(parsing: UnsafeRawBufferPointer($0)) }
        #expect(r.kind == .write)
        #expect(r.tag == "17")
        #expect(r.flags == 1)
        #expect(r.auth == "sec:ret")
        #expect(r.method == "verbose")
        #expect(r.arguments == "3")
    }

    @Test func onlyRWSAndASpaceAreJSON() {
        for (text, json) in [("r 1 help", true), ("w 1 stop", true), ("s 1 peer", true), ("stop", false), ("help", false),
                             ("supernodes", false), ("r", false), ("rr 1 help", false), ("", false), ("+verb", false)] {
            let isJSON = Array(text.utf8).withUnsafeBytes { ManagementRequest.isJSON($0) }
            #expect(isJSON == json, "\(text)")
        }
    }

    @Test func overlongAndGarbageRequestsGetErrorsNotCrashes() {
        #expect(error(edge("r 1 help " + String(repeating: "x", count: 72))) == "toolong")
        #expect(edge("r 1 help " + String(repeating: "x", count: 71)).datagrams.count == EdgeManagementJSON.methods.count + 2)  // exactly 80: fine
        #expect(error(edge("r ")) == "notag")
        #expect(error(edge("r 5")) == "nomethod")
        #expect(error(edge("r 5:zz help")) == "badflags")
        #expect(error(edge("r 5:1 help")) == "badflags")
        #expect(error(edge("r 5 frobnicate")) == "unknowncmd")
        #expect(error(edge("r 1 help\nstop")) == "badrequest")
        var invalid: [UInt8] = [UInt8(ascii: "r"), 0x20, 0xFF, 0xFE, 0x20, 0x41]
        let outcome = invalid.withUnsafeMutableBytes {
            EdgeManagementJSON(password: "n2n").handle(UnsafeRawBufferPointer($0), verbosity: 2) { Self.edgeSnapshot }
        }
        #expect(error(outcome) == "badencoding")
        // The error carries the tag once it was read, never before.
        #expect(edge("r 9 nope").datagrams == [#"{"_tag":"9","_type":"error","error":"unknowncmd"}"#])
        #expect(edge("r 1 help" + String(repeating: " ", count: 80)).datagrams == [#"{"_type":"error","error":"toolong"}"#])
    }

    @Test func randomBytesNeverCrash() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let count = Int(state >> 58) + 2
            var bytes = (0..<count).map { i in UInt8(truncatingIfNeeded: state >> (i % 56)) }
            bytes[0] = [UInt8(ascii: "r"), UInt8(ascii: "w"), UInt8(ascii: "s")][Int(state % 3)]
            bytes[1] = 0x20
            let outcome = bytes.withUnsafeMutableBytes {
                EdgeManagementJSON(password: "n2n").handle(UnsafeRawBufferPointer($0), verbosity: 2) { Self.edgeSnapshot }
            }
            #expect(!outcome.datagrams.isEmpty && outcome.datagrams.count <= ManagementReply.maxDatagrams)
        }
    }

    // MARK: - Auth

    @Test func writesNeedThePassword() {
        #expect(error(edge("w 1 verbose 3")) == "badauth")
        #expect(error(edge("w 1:1:wrong verbose 3")) == "badauth")
        #expect(error(edge("w 1:1:wrong stop")) == "badauth")
        #expect(edge("w 1:1:wrong stop").action == .none)
        #expect(error(edge("w 1:1:n2n edges")) == "readonly")
        #expect(error(supernode("w 1:1:n2n stop")) == "badauth")
        #expect(supernode("w 1:1:pw stop").action == .stop)
        #expect(edge("w 1:1:n2n stop").action == .stop)
        #expect(edge("r 1 stop").action == .none)
        #expect(edge("w 2:1:n2n verbose 4").action == .setVerbosity(4))
        #expect(error(edge("w 2:1:n2n verbose 9")) == "badarg")
        #expect(edge("w 4:1:n2n verbose 1").datagrams[1] == #"{"_tag":"4","_type":"row","traceLevel":1}"#)
    }

    @Test func subscribeNeedsThePasswordAndAKnownTopic() {
        #expect(error(edge("s 1 peer")) == "badauth")
        #expect(error(edge("s 1:1:n2n weather")) == "unknowntopic")
        let ok = edge("s 7:1:n2n peer")
        #expect(ok.datagrams == [#"{"_tag":"7","_type":"subscribe","topic":"peer"}"#])
        #expect(ok.action == .subscribe(topic: "peer", tag: "7"))
        #expect(supernode("s 7:1:pw peer").action == .subscribe(topic: "peer", tag: "7"))
    }

    // MARK: - Edge methods

    @Test func edgeHelpListsEveryMethod() {
        let names = rows(edge("r 1 help"), tag: "1", method: "help").compactMap { $0["cmd"] as? String }
        #expect(names == EdgeManagementJSON.methods.map(\.name))
        #expect(names == ["help", "communities", "edges", "supernodes", "timestamps", "packetstats", "groups", "verbose", "stop"])
    }

    @Test func groupsListEveryListenerWithItsAgeAndTheCountersShowInPacketstats() {
        #expect(rows(edge("r 1 groups"), tag: "1", method: "groups").isEmpty)   // snooping off
        var counters = MulticastCounters()
        counters.framesReplicated = 7
        counters.framesSuppressed = 3
        counters.bytesSaved = 4_200
        let m = MulticastSnapshot(
            groups: [.init(group: "239.1.1.1", family: "ipv4", flooded: false, listeners: [
                        .init(listener: "local", ageSeconds: 5, expiresInSeconds: 255, leaving: false),
                        .init(listener: "02:00:00:00:00:03", ageSeconds: 9, expiresInSeconds: 2, leaving: true)]),
                     .init(group: "ff05::1:3", family: "ipv6", flooded: true, listeners: [])],
            queriers: [], counters: counters, tableCounters: MembershipTableCounters())
        var snapshot = Self.edgeSnapshot
        snapshot.multicast = m
        var bytes = Array("r 2 groups".utf8)
        let outcome = bytes.withUnsafeMutableBytes {
            EdgeManagementJSON(password: "n2n").handle(UnsafeRawBufferPointer($0), verbosity: 2) { snapshot }
        }
        let g = rows(outcome, tag: "2", method: "groups")
        #expect(g.map { $0["listener"] as? String } == ["local", "02:00:00:00:00:03", ""])
        #expect(g[1]["group"] as? String == "239.1.1.1")
        #expect(g[1]["age"] as? Int == 9)
        #expect(g[1]["expires"] as? Int == 2)
        #expect(g[1]["leaving"] as? Int == 1)
        #expect(g[2]["flooded"] as? Int == 1)
        bytes = Array("r 3 packetstats".utf8)
        let stats = bytes.withUnsafeMutableBytes {
            EdgeManagementJSON(password: "n2n").handle(UnsafeRawBufferPointer($0), verbosity: 2) { snapshot }
        }
        let mc = rows(stats, tag: "3", method: "packetstats").first { $0["type"] as? String == "multicast" }
        #expect(mc?["replicated"] as? Int == 7)
        #expect(mc?["suppressed"] as? Int == 3)
        #expect(mc?["bytes_saved"] as? Int == 4_200)
    }

    @Test func edgeEdgesAreOneRowPerPeer() {
        let r = rows(edge("r 42 edges"), tag: "42", method: "edges")
        #expect(r.count == 3)
        #expect(r.map { $0["mode"] as? String } == ["pSp", "p2p", "pSp"])
        #expect(r.map { $0["macaddr"] as? String } == ["02:00:00:00:00:02", "02:00:00:00:00:03", "02:00:00:00:00:04"])
        #expect(r[1]["sockaddr"] as? String == "10.0.0.3:7777")
        #expect(r[1]["lastseen"] as? Int == 999)
        #expect(r[1]["last_seen"] as? Int == 999)
        for row in r { for key in ["ip4addr", "desc"] { #expect(row[key] is String) } }
        #expect(edge("r 42 edges").datagrams[2]
            == #"{"_tag":"42","_type":"row","mode":"p2p","ip4addr":"","macaddr":"02:00:00:00:00:03","sockaddr":"10.0.0.3:7777","desc":"","last_seen":999,"lastseen":999,"table":"known"}"#)
    }

    @Test func edgeOtherMethods() {
        #expect(rows(edge("r 1 communities"), tag: "1", method: "communities").first?["community"] as? String == "demo")
        let sn = rows(edge("r 2 supernodes"), tag: "2", method: "supernodes")
        #expect(sn.map { $0["current"] as? Int } == [1, 0])
        #expect(sn.first?["lastseen"] as? Int == 995)
        #expect(sn.first?["last_seen"] as? Int == 995)
        #expect(sn.last?["sockaddr"] as? String == "")
        let ts = rows(edge("r 3 timestamps"), tag: "3", method: "timestamps")
        #expect(ts.first?["start_time"] as? Int == 900)
        #expect(ts.first?["last_p2p"] as? Int == 999)
        let ps = rows(edge("r 4 packetstats"), tag: "4", method: "packetstats")
        #expect(ps.first { $0["type"] as? String == "p2p" }?["tx_pkt"] as? Int == 7)
        #expect(ps.first { $0["type"] as? String == "super" }?["rx_pkt"] as? Int == 6)
        let drop = ps.first { $0["type"] as? String == "drop" }
        #expect(drop?["reason"] as? String == DropReason.allCases[0].name)
        #expect(drop?["count"] as? Int == 4)
        #expect(rows(edge("r 5 verbose", verbosity: 3), tag: "5", method: "verbose").first?["traceLevel"] as? Int == 3)
        #expect(rows(edge("r 6 stop"), tag: "6", method: "stop").first?["keep_running"] as? Int == 1)
    }

    // MARK: - Supernode methods

    @Test func supernodeMethods() {
        let names = rows(supernode("r 1 help"), tag: "1", method: "help").compactMap { $0["cmd"] as? String }
        #expect(names == ["help", "communities", "edges", "timestamps", "packetstats", "verbose", "reload_communities", "stop"])
        let c = rows(supernode("r 2 communities"), tag: "2", method: "communities")
        #expect(c.first?["community"] as? String == "demo")
        #expect(c.first?["edges"] as? Int == 2)
        let e = rows(supernode("r 3 edges"), tag: "3", method: "edges")
        #expect(e.map { $0["macaddr"] as? String } == ["02:00:00:00:00:02", "02:00:00:00:00:03"])
        #expect(e.first?["lastseen"] as? Int == 1996)
        #expect(e.first?["last_seen"] as? Int == 1996)
        let ts = rows(supernode("r 4 timestamps"), tag: "4", method: "timestamps")
        #expect(ts.first?["start_time"] as? Int == 1900)
        #expect(ts.first?["last_reg_super"] as? Int == 0)
        let ps = rows(supernode("r 5 packetstats"), tag: "5", method: "packetstats")
        #expect(ps.first { $0["type"] as? String == "forward" }?["tx_pkt"] as? Int == 10)
        #expect(rows(supernode("r 6 verbose"), tag: "6", method: "verbose").first?["traceLevel"] as? Int == 2)
        let reload = supernode("w 7:1:pw reload_communities")
        #expect(reload.datagrams.isEmpty)
        #expect(reload.action == .carryOut(method: "reload_communities", tag: "7"))
        #expect(error(supernode("r 7 reload_communities")) == "writeonly")
        #expect(error(supernode("w 7:1:n2n reload_communities")) == "badauth")
        let rows = SupernodeManagementJSON.reloadRows({ var c = WhitelistChange(); c.listed = 3; c.added = ["a"]; return c }())
        #expect(ManagementJSON.object(rows[0]) == #"{"ok":1,"communities":3,"added":1,"removed":0,"edges_dropped":0}"#)
    }

    // MARK: - Framing, bounds, escaping, events

    @Test func longRepliesAreCutAtTheDatagramBound() {
        let rows = (0..<500).map { i -> JSONFields in [("n", .int(Int64(i)))] }
        let out = ManagementReply.framed(tag: "t", method: "edges", rows: rows)
        #expect(out.count == ManagementReply.maxDatagrams)
        #expect(out.last == #"{"_tag":"t","_type":"end","truncated":\#(500 - ManagementReply.maxDatagrams + 2)}"#)
    }

    @Test func stringsAreEscaped() {
        #expect(ManagementJSON.object([("a\"b", .string("x\\y\n\u{1}"))]) == #"{"a\"b":"x\\y\n\u0001"}"#)
        #expect(edge("r \"x\\ help").datagrams.first == #"{"_tag":"\"x\\","_type":"begin","cmd":"help"}"#)
    }

    @Test func peerEventsOnJoinLeaveAndModeChange() {
        var after = Self.edgeSnapshot
        after.peers.removeFirst()
        after.peers[0].mode = .viaSupernode
        after.peers.append(.init(mac: "02:00:00:00:00:09", socket: "10.0.0.9:1", table: .known, mode: .p2p, lastSeenSecondsAgo: 0))
        let events = EdgeManagementJSON.peerEvents(from: Self.edgeSnapshot, to: after)
        #expect(events.map { $0[0].1 } == [.string("mode"), .string("join"), .string("leave")])
    }

    @Test func consoleRateLimitsAndSendsEventsToSubscribers() {
        var snapshot = Self.edgeSnapshot
        let console = ManagementConsole<EdgeSnapshot, Int>(
            limiter: ManagementRateLimiter(burst: 3, perSecond: 1),
            handler: EdgeManagementJSON(password: "n2n").handle, events: EdgeManagementJSON.peerEvents)
        var request = Array("s 5:1:n2n peer".utf8)
        let handle = { (source: Int, now: Int64) in
            request.withUnsafeMutableBytes { console.handle(UnsafeRawBufferPointer($0), from: source, now: now, verbosity: 2) { snapshot } }
        }
        #expect(handle(1, 0) != nil)
        #expect(handle(1, 0) != nil)
        #expect(handle(1, 0) != nil)
        #expect(handle(1, 0) == nil)  // over the burst: no reply at all
        #expect(handle(2, 0) != nil)  // another source has its own bucket
        #expect(handle(1, 1_000_000_000) != nil)  // refilled
        #expect(console.tick { snapshot }.isEmpty)
        snapshot.peers.removeAll()
        let sent = console.tick { snapshot }
        #expect(sent.count == 6)  // 3 leave events to each of 2 subscribers
        #expect(sent.allSatisfy { $0.1.contains(#""_tag":"5","_type":"event","topic":"peer","action":"leave""#) })
        console.unsubscribe(1)
        console.unsubscribe(2)
        #expect(console.tick { snapshot }.isEmpty)
    }
}

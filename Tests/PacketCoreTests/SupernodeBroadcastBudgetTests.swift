import LinuxSystem
import N2NWire
import TestSupport
import Testing
@testable import PacketCore

/// The per-sender broadcast budget (issue 18): it follows the options, lets an honest feed through,
/// and when it bites the log and the management report say so.
@Suite struct SupernodeBroadcastBudgetTests {
    typealias F = Fixture

    /// A sender (macA on sockA) and `listeners` edges on sockets of their own.
    static func community(listeners: Int, options: SupernodeEngineOptions) -> SupernodeHarness {
        let h = SupernodeHarness(options: options)
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        for i in 0..<listeners {
            let mac = MACAddress(2, 0x10, 0, 0, UInt8(i >> 8), UInt8(i & 0xFF))
            h.receive(F.registerSuper(mac), from: PeerSocket(ipv4: 0x0A00_0000 + UInt32(i), port: 40000))
        }
        return h
    }

    /// `count` broadcast frames from macA, `gap` apart; returns the copies sent.
    static func feed(_ h: SupernodeHarness, frames count: Int, gapNanoseconds gap: Int64) -> Int {
        var copies = 0
        for _ in 0..<count {
            copies += h.receive(F.packet(from: F.macA, to: .broadcast), from: F.sockA).count
            h.clock.advance(nanoseconds: gap)
        }
        return copies
    }

    @Test func defaultCarriesAThousandFramesASecondToAThousandEdges() {
        let defaults = SupernodeEngineOptions()
        #expect(defaults.broadcastRate >= 1_000 * 1_000)
        #expect(defaults.broadcastBurst >= defaults.broadcastRate)
    }

    @Test func aFeedWithinTheRateIsNeverCut() {
        var options = SupernodeEngineOptions()
        options.broadcastRate = 50 * 100      // 50 frames/s to 100 edges
        options.broadcastBurst = 100          // one frame's worth: the rate alone must carry the feed
        let h = Self.community(listeners: 100, options: options)
        // 5 s at 50 frames/s, evenly spaced.
        #expect(Self.feed(h, frames: 250, gapNanoseconds: 20_000_000) == 250 * 100)
        #expect(h.engine.statistics[.broadcastRateLimited] == 0)
        #expect(h.engine.snapshot().throttled.isEmpty)
    }

    @Test func aFeedAboveTheRateIsCutLoggedAndListed() throws {
        var options = SupernodeEngineOptions()
        options.broadcastRate = 50 * 10
        options.broadcastBurst = 10
        let h = Self.community(listeners: 10, options: options)
        let log = CapturedLog()
        h.engine.logger = log.logger(level: .info, recordFrom: .notice)
        // 100 frames/s for 1 s: about half get through.
        let copies = Self.feed(h, frames: 100, gapNanoseconds: 10_000_000)
        #expect(copies >= 490 && copies <= 520)
        let cut = h.engine.statistics[.broadcastRateLimited]
        #expect(cut >= 50 && cut <= 100)   // a frame the tokens cannot fully pay for goes to fewer edges
        // Logged, but through the bucket (refusalLogBurst lines, then a summary).
        let lines = log.lines.filter { $0.contains("--broadcast-rate 500 copies/s") }
        #expect(lines.count == Int(options.refusalLogBurst))
        #expect(lines.first?.contains("from \(F.macA)") == true)

        // Management lists the sender while it is being throttled, and for a minute after.
        let s = h.engine.snapshot()
        let t = try #require(s.throttled.first)
        #expect(s.throttled.count == 1)
        #expect(t.mac == "\(F.macA)" && t.frames == cut && s.broadcastRate == 500)
        let report = SupernodeManagementText.report(s).joined()
        #expect(report.contains("bcast_lim 500 copies/s per sender, burst 10"))
        #expect(report.contains("throttled \(F.macA) in mynet"))
        let rows = SupernodeManagementJSON.rows("packetstats", s)
        #expect(rows.contains { row in row.contains { $0.0 == "type" && $0.1 == .string("broadcast_throttled") } })

        h.advance(seconds: 61)
        h.engine.tick()
        #expect(log.lines.contains { $0.contains("more broadcast frames cut by --broadcast-rate not logged") })
        #expect(h.engine.snapshot().throttled.isEmpty)
        #expect(!SupernodeManagementText.report(h.engine.snapshot()).joined().contains("bcast_lim"))
    }

    @Test func zeroMeansUnlimited() {
        var options = SupernodeEngineOptions()
        options.broadcastRate = 0
        options.broadcastBurst = 1
        let h = Self.community(listeners: 20, options: options)
        #expect(Self.feed(h, frames: 200, gapNanoseconds: 0) == 200 * 20)
        #expect(h.engine.statistics[.broadcastRateLimited] == 0)
    }
}

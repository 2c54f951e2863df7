#if canImport(Glibc)
import Glibc
#endif
import Multicast
import N2NWire

/// The snooper over a session of frames. Each record of the input: one op byte (bits 0-2: the
/// sender, 7 = our own host, else peer 1...7; bits 3-5: how far the clock moves first; bit 6: also
/// ask for a replication decision; bit 7: run the queriers), two length bytes, then the frame.
/// Small table bounds, so that eviction and overflow are reached.
final class MulticastHarness {
    static let steps: [Int64] = [0, 1_000_000, 1_000_000_000, 2_000_000_000, 10_000_000_000, 125_000_000_000,
                                 260_000_000_000, 1_000_000_000_000]
    static let limits = MembershipLimits(maxGroups: 8, maxListenersPerGroup: 4)
    let queryBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: MembershipQueryBuilder.maxQueryLength, alignment: 1)
    let listeners = UnsafeMutableBufferPointer<MACAddress>.allocate(capacity: 8)

    func makeSnooper() -> MulticastSnooper {
        var c = MulticastSnooperConfiguration()
        c.limits = Self.limits
        c.querierIPv4 = 0x0A00_0005
        c.querierIPv6LinkLocal = .v6(0xFE80_0000_0000_0000, 0x50)
        c.querierMAC = MACAddress(0x02, 0xAA, 0, 0, 0, 0x05)
        var s = MulticastSnooper(configuration: c)
        s.start(now: 0)
        return s
    }

    func run(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard let data, size > 0 else { return }
        var snooper = makeSnooper()
        var now: Int64 = 0
        var i = 0
        while i + 3 <= size {
            let op = data[i]
            let length = min(Int(data[i + 1]) << 8 | Int(data[i + 2]), size - i - 3)
            i += 3
            now += Self.steps[Int(op >> 3 & 7)]
            let sender: Listener = op & 7 == 7 ? .local : .peer(MACAddress(0x02, 0, 0, 0, 0, op & 7))
            withExactCopy(data + i, length) { frame in
                step(UnsafeRawBufferPointer(frame), op: op, sender: sender, now: now, snooper: &snooper)
            }
            i += length
        }
        let snapshot = snooper.snapshot(now: now)
        if snapshot.groups.count > Self.limits.maxGroups { fuzzFailure("\(snapshot.groups.count) groups in the snapshot") }
        for g in snapshot.groups where g.listeners.count > Self.limits.maxListenersPerGroup + 1 {
            fuzzFailure("\(g.listeners.count) listeners for \(g.group)")
        }
    }

    func step(_ frame: UnsafeRawBufferPointer, op: UInt8, sender: Listener, now: Int64, snooper: inout MulticastSnooper) {
        checkParse(frame)
        let result = snooper.observe(frame: frame, from: sender, now: now)
        if case .dropped(let error) = result { report(error) }
        if case .notMembership = result, !snooper.deliversToHost(frame: frame, now: now) {
            fuzzFailure("a frame that is no membership message kept from the host")
        }
        if snooper.table.groupCount > Self.limits.maxGroups { fuzzFailure("table holds \(snooper.table.groupCount) groups") }
        if op & 0x40 != 0 { checkDecision(frame, snooper: snooper, now: now) }
        if op & 0x80 != 0 { runQueriers(&snooper, now: now) }
    }

    /// A parsed message must be self-consistent; its records are all read (ASan sees any over-read).
    func checkParse(_ frame: UnsafeRawBufferPointer) {
        let packet: MembershipPacket
        do throws(MembershipParseError) {
            packet = try MembershipParser.parse(frame: frame)
        } catch {
            report(error)
            return
        }
        if packet.source.isIPv4 != packet.destination.isIPv4 { fuzzFailure("mixed families") }
        switch packet.message {
        case .report(let g, _), .leave(let g, _):
            if !g.isMulticast || g.isIPv4 != packet.source.isIPv4 { fuzzFailure("report for \(g)") }
        case .recordReport(let records, _):
            var n = 0
            for r in records {
                n += 1
                if !r.group.isMulticast { fuzzFailure("record for \(r.group)") }
            }
            if n != records.count { fuzzFailure("\(n) records iterated, \(records.count) declared") }
        case .query(let q):
            if let g = q.group, !g.isMulticast { fuzzFailure("query for \(g)") }
            if q.maxResponseNanos < 0 { fuzzFailure("negative max response") }
        }
        // An IGMP packet to the MAC of its multicast destination is what the classifier calls control.
        if case .v4(let d) = packet.destination, packet.destination.isMulticast,
           MACAddress(loadingFrom: frame, at: 0) == packet.destination.multicastMAC,
           MulticastClassifier.classify(frame) != .membershipControl {
            fuzzFailure("IGMP to \(InetAddress.v4(d)) not classified as control")
        }
    }

    func checkDecision(_ frame: UnsafeRawBufferPointer, snooper: MulticastSnooper, now: Int64) {
        let decision = snooper.decide(frame: frame, now: now)
        switch decision {
        case .listeners(let g, let count):
            if count <= 0 { fuzzFailure("listeners decision with \(count)") }
            var seen = 0
            snooper.forEachListener(of: g, now: now) { _ in seen += 1 }
            let copied = snooper.copyListeners(of: g, now: now, into: listeners)
            if seen != count || copied != min(count, listeners.count) {
                fuzzFailure("\(count) listeners decided, \(seen) iterated, \(copied) copied")
            }
        case .suppress(let g):
            if case .known(let peers, _) = snooper.table.lookup(g, now: now), peers == 0 { break }
            fuzzFailure("suppressed \(g) without an empty known entry")
        case .flood, .notMulticast:
            break
        }
        var counters = snooper.counters
        counters.record(decision, copiesSent: 1, floodCopies: 7, frameLength: frame.count)
    }

    /// Every query the queriers want must be written and parse back as that query.
    func runQueriers(_ snooper: inout MulticastSnooper, now: Int64) {
        var rounds = 0
        while let request = snooper.poll(now: now) {
            rounds += 1
            if rounds > 64 { fuzzFailure("querier keeps asking at one instant") }
            let n: Int
            do throws(MembershipBuildError) {
                n = try snooper.writeQuery(request, into: queryBuffer)
            } catch {
                fuzzFailure("writing \(request): \(error)")
            }
            do throws(MembershipParseError) {
                let p = try MembershipParser.parse(frame: UnsafeRawBufferPointer(rebasing: queryBuffer[..<n]))
                guard case .query(let q) = p.message else { fuzzFailure("\(request) wrote a non-query") }
                let expected: MulticastGroup? = if case .groupQuery(let g) = request.action { g } else { nil }
                if q.group != expected { fuzzFailure("\(request) parsed as a query for \(String(describing: q.group))") }
            } catch {
                fuzzFailure("\(request) does not parse: \(error)")
            }
        }
        if let d = snooper.nextDeadline, d <= now { fuzzFailure("deadline \(d) not after \(now) once polled") }
    }

    // MARK: Seeds

    func writeSeeds(_ seeds: inout SeedWriter) {
        let frames = MulticastSeedFrames.all()
        for (k, frame) in frames.enumerated() {
            seeds.write(record(op: UInt8(k % 7) | 0x40 | 0x80, frame))
        }
        // Sessions: joins from several peers, data, a leave, time passing, queries.
        var session: [UInt8] = []
        for (k, frame) in frames.enumerated() { session += record(op: UInt8(k % 8) | 0x40, frame) }
        session += record(op: 0x40 | 2 << 3, MulticastSeedFrames.data4)
        session += record(op: 0x80 | 5 << 3, [])
        session += record(op: 0xC0 | 6 << 3, MulticastSeedFrames.data6)
        seeds.write(session)
    }

    func record(op: UInt8, _ frame: [UInt8]) -> [UInt8] {
        [op, UInt8(frame.count >> 8), UInt8(frame.count & 0xFF)] + frame
    }
}

/// Valid frames of every message type, written here byte by byte.
enum MulticastSeedFrames {
    static let mac: [UInt8] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]
    static let linkLocal: [UInt8] = [0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x22, 0xFF, 0xFE, 0x33, 0x44, 0x55]

    static func sum(_ b: [UInt8]) -> UInt16 {
        var s: UInt32 = 0
        var i = 0
        while i < b.count {
            s += UInt32(b[i]) << 8 | (i + 1 < b.count ? UInt32(b[i + 1]) : 0)
            i += 2
        }
        while s > 0xFFFF { s = (s & 0xFFFF) + (s >> 16) }
        return ~UInt16(s)
    }

    static func fill(_ b: inout [UInt8], at i: Int, _ c: UInt16) { b[i] = UInt8(c >> 8); b[i + 1] = UInt8(c & 0xFF) }

    static func v4(_ dst: [UInt8], proto: UInt8 = 2, _ payload: [UInt8]) -> [UInt8] {
        var message = payload
        if proto == 2 { fill(&message, at: 2, sum(message)) }
        let length = 24 + message.count
        var ip: [UInt8] = [0x46, 0xC0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 0, 0, 0, 1, proto, 0, 0,
                           10, 0, 0, 5] + dst + [0x94, 4, 0, 0]
        fill(&ip, at: 10, sum(ip))
        return [1, 0, 0x5E, dst[1] & 0x7F, dst[2], dst[3]] + mac + [8, 0] + ip + message
    }

    static func v6(_ dst: [UInt8], next: UInt8 = 58, _ payload: [UInt8]) -> [UInt8] {
        var message = payload
        if next == 58 {
            let length = message.count
            let pseudo = linkLocal + dst + [0, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 0, 0, 58]
            fill(&message, at: 2, sum(pseudo + message))
        }
        let hbh: [UInt8] = next == 58 ? [58, 0, 5, 2, 0, 0, 1, 0] : []
        let length = hbh.count + message.count
        let ip: [UInt8] = [0x60, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xFF), next == 58 ? 0 : next, 1] + linkLocal + dst
        return [0x33, 0x33] + Array(dst[12..<16]) + mac + [0x86, 0xDD] + ip + hbh + message
    }

    static let g4: [UInt8] = [239, 1, 2, 3]
    static let g6: [UInt8] = [0xFF, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34]
    static let allNodes: [UInt8] = [0xFF, 0x02] + [UInt8](repeating: 0, count: 13) + [1]
    static let mld2: [UInt8] = [0xFF, 0x02] + [UInt8](repeating: 0, count: 13) + [0x16]
    static let data4 = v4(g4, proto: 17, [UInt8](repeating: 0x55, count: 64))
    static let data6 = v6(g6, next: 17, [UInt8](repeating: 0x66, count: 64))

    static func all() -> [[UInt8]] {
        [
            v4(g4, [0x12, 0, 0, 0] + g4),
            v4(g4, [0x16, 0, 0, 0] + g4),
            v4([224, 0, 0, 2], [0x17, 0, 0, 0] + g4),
            v4([224, 0, 0, 1], [0x11, 100, 0, 0, 0, 0, 0, 0]),
            v4(g4, [0x11, 10, 0, 0] + g4),
            v4([224, 0, 0, 1], [0x11, 100, 0, 0, 0, 0, 0, 0, 2, 125, 0, 1, 10, 0, 0, 1]),
            v4([224, 0, 0, 22], [0x22, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0] + g4 + [3, 0, 0, 0, 239, 9, 9, 9]
                + [1, 1, 0, 1, 239, 8, 8, 8, 10, 0, 0, 1, 0, 0, 0, 0]),
            v4([224, 0, 0, 22], [0x22, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0] + g4),
            v6(g6, [131, 0, 0, 0, 0, 0, 0, 0] + g6),
            v6(g6, [132, 0, 0, 0, 0, 0, 0, 0] + g6),
            v6(allNodes, [130, 0, 0, 0, 0x27, 0x10, 0, 0] + [UInt8](repeating: 0, count: 16)),
            v6(allNodes, [130, 0, 0, 0, 0x27, 0x10, 0, 0] + [UInt8](repeating: 0, count: 16) + [2, 125, 0, 0]),
            v6(g6, [130, 0, 0, 0, 0x03, 0xE8, 0, 0] + g6 + [2, 125, 0, 1] + linkLocal),
            v6(mld2, [143, 0, 0, 0, 0, 0, 0, 2, 4, 0, 0, 0] + g6 + [5, 1, 0, 1] + g6 + linkLocal + [0, 0, 0, 0]),
            v6(mld2, [143, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0] + g6),
            data4,
            data6,
        ]
    }
}

extension MulticastHarness: FuzzTarget {
    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) { run(data, size) }
}

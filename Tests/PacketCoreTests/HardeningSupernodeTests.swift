import Logging
import N2NWire
import Testing
import TestSupport
import LinuxSystem
@testable import PacketCore

// Issue 10: each test replays one attack a stranger can mount against the real SupernodeEngine and
// checks that its cost is now closed or bounded. Each one fails on the engine before the fix.

@Suite struct HardeningSupernodeTests {
    typealias F = Fixture

    /// Item 1: forged registrations put two MACs at each supernode under the other's address; one
    /// forged PACKET then bounced between them for ever (TTL is not decremented on pass-on).
    @Test func relayLoopBetweenTwoSupernodesIsCut() {
        let snX = PeerSocket(ipv4: 0xC000_0201, port: 7654)
        let snY = PeerSocket(ipv4: 0xC000_0202, port: 7654)
        let x = SupernodeHarness()
        let y = SupernodeHarness()
        for mac in [F.macA, F.macB] {
            x.receive(F.registerSuper(mac), from: snY)
            y.receive(F.registerSuper(mac), from: snX)
        }
        // The forged PACKET, spoofed from Y's address, to X.
        var inFlight: [(bytes: [UInt8], to: SupernodeHarness, from: PeerSocket)] =
            [(F.packet(from: F.macA, to: F.macB), x, snY)]
        var hops = 0
        while let next = inFlight.popLast(), hops < 1000 {
            hops += 1
            for sent in next.to.receive(next.bytes, from: next.from) {
                if sent.destination == snY { inFlight.append((sent.bytes, y, snX)) }
                if sent.destination == snX { inFlight.append((sent.bytes, x, snY)) }
            }
        }
        #expect(hops == 2)                                   // X relays once, Y refuses
        #expect(y.engine.statistics[.relayLoop] == 1)
        #expect(x.engine.statistics.forwarded + y.engine.statistics.forwarded == 1)
        // REGISTERs marked FROM_SUPERNODE are not passed on either.
        var register = F.register(from: F.macA, to: F.macB)
        register[3] |= UInt8(PacketFlags.fromSupernode.rawValue & 0xFF)
        #expect(x.receive(register, from: snY).isEmpty)
        #expect(x.engine.statistics[.relayLoop] == 1)
    }

    /// Item 2: one socket registering many MACs got one copy of every broadcast per MAC.
    @Test func broadcastSendsOneCopyPerSocket() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        for i in 0..<50 { h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 9, UInt8(i))), from: F.sockC) }
        let sent = h.receive(F.packet(from: F.macA, to: .broadcast, payload: [UInt8](repeating: 1, count: 1400)),
                             from: F.sockA)
        #expect(sent.map(\.destination) == [F.sockC])
        #expect(h.engine.statistics.broadcast == 1)
    }

    /// Item 2: the fan-out budget pays per copy, so a big community cannot multiply a small budget.
    @Test func broadcastBudgetCountsCopies() {
        var options = SupernodeEngineOptions()
        options.broadcastRate = 1
        options.broadcastBurst = 5
        let h = SupernodeHarness(options: options)
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        for i in 0..<10 {
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 9, UInt8(i))), from: PeerSocket(ipv4: 0x0A00_0001, port: 100 + UInt16(i)))
        }
        #expect(h.receive(F.packet(from: F.macA, to: .broadcast), from: F.sockA).count == 5)
        #expect(h.receive(F.packet(from: F.macA, to: .broadcast), from: F.sockA).isEmpty)
        #expect(h.engine.statistics.broadcast == 5)
        #expect(h.engine.statistics[.broadcastRateLimited] == 2)
    }

    /// Item 5: one socket filled the edge table; every new edge was then refused.
    @Test func oneSocketCannotFillTheEdgeTable() {
        var options = SupernodeEngineOptions()
        options.maxEdges = 400
        let h = SupernodeHarness(options: options)
        // 256 per socket: a bridged edge's own MAC and up to 255 hosts behind its TAP.
        for i in 0..<300 { h.receive(F.registerSuper(MACAddress(2, 0, 0, 9, UInt8(i >> 8), UInt8(i & 0xFF))), from: F.sockC) }
        #expect(h.engine.edgeCount == 256)
        #expect(h.engine.statistics[.quotaExceeded] == 44)
        // The legitimate edge still gets in.
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockA).count == 1)
        // An edge already registered is refreshed, not refused, at its quota.
        #expect(h.receive(F.registerSuper(MACAddress(2, 0, 0, 9, 0, 0)), from: F.sockC).count == 1)
    }

    /// Item 5: many sockets (one address, any ports) flooding one community leave room for others.
    @Test func oneCommunityCannotFillTheEdgeTable() {
        var options = SupernodeEngineOptions()
        options.maxEdges = 20
        options.maxEdgesPerCommunity = 10
        let h = SupernodeHarness(options: options)
        for i in 0..<30 {
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 8, UInt8(i))), from: PeerSocket(ipv4: 0x0A00_0009, port: 1000 + UInt16(i)))
        }
        #expect(h.engine.edgeCount == 10)
        #expect(h.receive(F.registerSuper(F.macA, community: Community("other")), from: F.sockA).count == 1)
    }

    /// Item 5 (found by Benchmarks/scale): one host with 1 025 sockets of 64 MACs filled the whole
    /// table (65 536) over a few communities; every new edge of every community was then refused
    /// (`table_full`) for as long as the flood re-registered. Now one address holds at most
    /// `maxMacsPerAddress`; other addresses still get in, and registered edges are refreshed.
    @Test func oneAddressCannotFillTheEdgeTable() {
        var options = SupernodeEngineOptions()
        options.maxEdges = 40
        options.maxMacsPerSocket = 4
        options.maxMacsPerAddress = 10
        let h = SupernodeHarness(options: options)
        let flooder: UInt32 = 0x0A00_0009
        for i in 0..<40 {
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 7, 0, UInt8(i)), community: Community("c\(i % 3)")),
                      from: PeerSocket(ipv4: flooder, port: 1000 + UInt16(i / 4)))
        }
        #expect(h.engine.edgeCount == 10)
        #expect(h.engine.statistics[.quotaExceeded] == 30)
        #expect(h.engine.statistics[.tableFull] == 0)
        // A legitimate edge from another address gets in, in a flooded community and in another.
        #expect(h.receive(F.registerSuper(F.macA, community: Community("c0")), from: F.sockA).count == 1)
        #expect(h.receive(F.registerSuper(F.macB), from: F.sockB).count == 1)
        // The flooder's registered MACs are still refreshed, also from another of its ports.
        #expect(h.receive(F.registerSuper(MACAddress(2, 0, 0, 7, 0, 0), community: Community("c0")),
                          from: PeerSocket(ipv4: flooder, port: 1000)).count == 1)
        #expect(h.receive(F.registerSuper(MACAddress(2, 0, 0, 7, 0, 1), community: Community("c1")),
                          from: PeerSocket(ipv4: flooder, port: 2000)).count == 1)
        // Once quiet past the rebind hold-off, a MAC that moves to another address leaves room at
        // the old one: the flooder may add exactly one more.
        h.advance(seconds: 46)
        #expect(h.receive(F.registerSuper(MACAddress(2, 0, 0, 7, 0, 2), community: Community("c2")),
                          from: PeerSocket(ipv4: 0x0A00_000A, port: 1000)).count == 1)
        #expect(h.receive(F.registerSuper(MACAddress(2, 0, 0, 7, 1, 0)), from: PeerSocket(ipv4: flooder, port: 1500)).count == 1)
        #expect(h.receive(F.registerSuper(MACAddress(2, 0, 0, 7, 1, 1)), from: PeerSocket(ipv4: flooder, port: 1500)).count == 0)
        // After a purge the counts are rebuilt from the table: still 10 for the flooder.
        h.advance(seconds: 61)
        h.engine.purge()
        #expect(h.engine.edgeCount == 0)
        for i in 0..<12 {
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 6, 0, UInt8(i))), from: PeerSocket(ipv4: flooder, port: 3000 + UInt16(i / 4)))
        }
        #expect(h.engine.edgeCount == 10)
    }

    /// Item 5: in open mode one address invented communities until none could be created.
    @Test func oneAddressCannotExhaustOpenModeCommunities() {
        var options = SupernodeEngineOptions()
        options.maxCommunities = 50
        let h = SupernodeHarness(options: options)
        for i in 0..<100 {
            h.receive(F.registerSuper(F.macC, community: Community("x\(i)")), from: PeerSocket(ipv4: 0x0A00_0009, port: 1000 + UInt16(i)))
        }
        #expect(h.engine.communities.count == 16)
        #expect(h.receive(F.registerSuper(F.macA, community: Community("office")), from: F.sockA).count == 1)
        // The quota is of live communities: once purged, the address may create again.
        h.advance(seconds: 61)
        h.engine.purge()
        #expect(h.receive(F.registerSuper(F.macC, community: Community("again")), from: PeerSocket(ipv4: 0x0A00_0009, port: 1)).count == 1)
    }

    /// Item 6: an encrypted registration from someone who knows only the name (the -H key is
    /// derived from it) evicted the live plain edges of a listed community.
    @Test func headerEncryptedRegistrationDoesNotEvictLivePlainEdges() throws {
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: ["mynet"]), encryption: true)
        let cipher = try #require(h.ciphers[F.community])
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        #expect(h.receive(cipher.sealed(F.registerSuper(F.macC), stamp: h.stamp()), from: F.sockC).isEmpty)
        #expect(h.engine.statistics[.encryptedInPlainCommunity] == 1)
        #expect(h.engine.communities[F.community]?.headerMode == .plain)
        #expect(h.engine.edgeCount == 2)
        #expect(h.receive(F.packet(from: F.macA, to: F.macB), from: F.sockA).map(\.destination) == [F.sockB])
        // Relayed traffic keeps the plain edges live as well as their registrations.
        h.advance(seconds: 40)
        h.receive(F.packet(from: F.macA, to: F.macB), from: F.sockA)
        h.advance(seconds: 10)
        #expect(h.receive(cipher.sealed(F.registerSuper(F.macC), stamp: h.stamp()), from: F.sockC).isEmpty)
        // A real switch to -H: once the plain edges have been quiet for 45 s, -H takes over.
        h.advance(seconds: 46)
        #expect(h.receive(cipher.sealed(F.registerSuper(F.macC), stamp: h.stamp(random: 9)), from: F.sockC).count == 1)
        #expect(h.engine.communities[F.community]?.headerMode == .encrypted)
        #expect(h.engine.edgeCount == 1)
    }

    /// Item 7: a squatter could take a MAC whose owner was still talking once one registration of
    /// the owner was lost (the hold-off counted registrations only, 30 s). A roaming edge still moves.
    @Test func macSquattingIsRefusedWhileTheOwnerTalksButRoamingWorks() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        // A keeps sending; its registration at 20 s is lost.
        for _ in 0..<7 {
            h.advance(seconds: 5)
            h.receive(F.packet(from: F.macA, to: F.macB), from: F.sockA)
        }
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockC).isEmpty)      // at 35 s
        #expect(h.engine.statistics[.rebindRefused] == 1)
        #expect(h.receive(F.packet(from: F.macB, to: F.macA), from: F.sockB).map(\.destination) == [F.sockA])
        // A roams: its old socket goes quiet, and after 45 s its registration from the new address is taken.
        h.advance(seconds: 44)
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockC).isEmpty)
        h.advance(seconds: 2)
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockC).count == 1)
        #expect(h.engine.communities[F.community]?.edges[F.macA]?.socket == F.sockC)
    }

    /// Item 8: every refused registration wrote a log line and got a NAK (a locked supernode
    /// answered scanners one for one).
    @Test func refusalsAreLoggedAndAnsweredAtABoundedRate() {
        let counter = CapturedLog()
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: ["mynet"]))
        h.engine.logger = counter.logger(level: .info, recordFrom: .notice, withLevel: false)
        var answers = 0
        for i in 0..<2000 {
            answers += h.receive(F.registerSuper(F.macC, community: Community("scan")),
                                 from: PeerSocket(ipv4: 0x0A00_0000 | UInt32(i % 500), port: 9)).count
        }
        #expect(answers <= 10)                               // one second's NAK budget
        #expect(counter.lines.count == 10)
        #expect(h.engine.statistics[.communityNotAllowed] == 2000)
        #expect(h.engine.statistics[.nakRateLimited] == UInt64(2000 - answers))
        // One source gets at most one NAK per 10 s.
        h.advance(seconds: 5)
        var fromOne = 0
        for _ in 0..<20 { fromOne += h.receive(F.registerSuper(F.macC, community: Community("scan")), from: F.sockC).count }
        #expect(fromOne == 1)
        // Then a summary line a minute, not a line per refusal.
        h.advance(seconds: 60)
        h.engine.tick()
        #expect(counter.lines.count == 11)
        #expect(counter.lines.last?.contains("not logged") == true)
        // A listed community is answered as ever.
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockA).count == 1)
    }
}

@Suite struct HardeningManagementTests {
    typealias F = Fixture

    /// Item 10: one management request listed every edge, one datagram each (~65 000 with a full table).
    @Test func managementReplyIsBounded() {
        var options = SupernodeEngineOptions()
        options.maxMacsPerSocket = 10_000
        let h = SupernodeHarness(options: options)
        for i in 0..<2000 {
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 7, UInt8(i >> 8), UInt8(i & 0xFF))),
                      from: PeerSocket(ipv4: 0x0A00_0000 | UInt32(i), port: 1))
        }
        let reply = [UInt8]("status".utf8).withUnsafeBytes { h.engine.managementResponse(to: $0) }
        #expect(reply.count <= SupernodeEngine.managementDatagramLimit)
        #expect(reply.last == "\n")
        #expect(reply.first?.contains("edges     2000\n") == true)
        // The SIGHUP dump still lists everything.
        #expect(h.engine.snapshot().edges.count == 2000)
    }
}

import N2NWire
import Testing
import LinuxSystem
@testable import PacketCore

@Suite struct SupernodeEngineTests {
    typealias F = Fixture

    @Test func registerSuperIsAckedWithTheSpecBytes() throws {
        let h = SupernodeHarness()
        let request = F.registerSuper(F.macA)
        #expect(request == F.hex("""
            02 02 00 05 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 01 02 03 04 02 00 00 00 00 01 00 00 00 00
            """))
        let sent = h.receive(request, from: F.specSocket)
        #expect(sent.count == 1)
        #expect(sent.first?.destination == F.specSocket)
        #expect(sent.first?.bytes == F.hex("""
            02 02 00 66 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 01 02 03 04 02 00 00 00 00 01 00 0f
            00 00 9c 40 cb 00 71 05 00
            """))
        #expect(h.engine.statistics.registerSuper == 1)
        #expect(h.engine.statistics.lastRegisterSuper == h.clock.monotonicNanoseconds)
        #expect(h.engine.edgeCount == 1)
        let c = try #require(h.engine.communities[F.community])
        #expect(c.edges[F.macA]?.socket == F.specSocket)
        #expect(c.headerMode == .plain)
    }

    @Test func relayedPacketHeaderMatchesTheSpecAndKeepsThePayload() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.specSocket)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        let payload: [UInt8] = Array(0..<77)
        let sent = h.receive(F.packet(from: F.macA, to: F.macB, payload: payload), from: F.specSocket)
        #expect(sent.count == 1)
        #expect(sent.first?.destination == F.sockB)
        #expect(sent.first?.bytes == F.hex("""
            02 01 00 63 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 02 00 00 00 00 01 02 00 00 00 00 02
            00 00 9c 40 cb 00 71 05 00 05
            """) + payload)
        #expect(h.engine.statistics.forwarded == 1)
        #expect(h.engine.statistics.lastForward == h.clock.monotonicNanoseconds)
    }

    /// 2.8 passed such packets on unchanged; no 2.x edge sends one and no 2.x supernode sends to
    /// another, so it is a relay loop (issue 10 item 1, HardeningSupernodeTests).
    @Test func packetAlreadyFromSupernodeIsDropped() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        let original = F.packet(from: F.macA, to: F.macB, flags: [.fromSupernode, .socket], sock: F.specSocket, ttl: 2)
        #expect(h.receive(original, from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.relayLoop] == 1)
    }

    @Test func registerIsRelayedWithTheSendersSocket() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.specSocket)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        let request = F.register(from: F.macA, to: F.macB)
        #expect(request == F.hex("""
            02 02 00 01 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 07 5b cd 15 02 00 00 00 00 01 02 00 00 00 00 02
            """))
        let sent = h.receive(request, from: F.specSocket)
        #expect(sent.map(\.destination) == [F.sockB])
        #expect(sent.first?.bytes == F.hex("""
            02 01 00 61 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 07 5b cd 15 02 00 00 00 00 01 02 00 00 00 00 02
            00 00 9c 40 cb 00 71 05
            """))
        #expect(h.engine.statistics.forwarded == 1)
    }

    @Test func registerToGroupOrUnknownMacIsDropped() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        #expect(h.receive(F.register(from: F.macA, to: .broadcast), from: F.sockA).isEmpty)
        #expect(h.receive(F.register(from: F.macA, to: .zero), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.multicastRegister] == 1)
        #expect(h.engine.statistics[.unknownDestination] == 1)
    }

    @Test func queryPeerIsAnsweredWithTheSpecPeerInfo() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.specSocket)
        let query = F.queryPeer(from: F.macA, for: F.macB)
        #expect(query == F.hex("""
            02 02 00 0a 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 02 00 00 00 00 01 02 00 00 00 00 02
            """))
        let sent = h.receive(query, from: F.sockA)
        #expect(sent.map(\.destination) == [F.sockA])
        #expect(sent.first?.bytes == F.hex("""
            02 02 00 29 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 00 00 02 00 00 00 00 02 00 00 9c 40
            cb 00 71 05
            """))
        // Unknown target: no reply.
        #expect(h.receive(F.queryPeer(from: F.macA, for: F.macC), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.unknownDestination] == 1)
    }

    @Test func broadcastReachesEveryOtherEdgeOfTheCommunityOnly() {
        let h = SupernodeHarness()
        let other = Community("othernet")
        let macD = MACAddress(2, 0, 0, 0, 0, 4)
        let sockD = PeerSocket(ipv4: 0xC633_6404, port: 50004)
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        h.receive(F.registerSuper(F.macC), from: F.sockC)
        h.receive(F.registerSuper(macD, community: other), from: sockD)

        for dst in [MACAddress.broadcast, MACAddress(0x01, 0x00, 0x5E, 0x01, 0x01, 0x01), MACAddress(0x33, 0x33, 0, 0, 0, 1)] {
            let repeatsBefore = h.sink.repeats
            let sent = h.receive(F.packet(from: F.macA, to: dst), from: F.sockA)
            #expect(Set(sent.map(\.destination)) == [F.sockB, F.sockC])
            #expect(sent.count == 2)
            // Built once: the second receiver's message repeats the first one's bytes.
            #expect(h.sink.repeats == repeatsBefore + 1)
            #expect(Set(sent.map(\.bytes)).count == 1)
        }
        #expect(h.engine.statistics.broadcast == 6)

        // The other community's broadcast stays there: D is alone, so nobody gets it.
        #expect(h.receive(F.packet(from: macD, to: .broadcast, community: other), from: sockD).isEmpty)
        // Unicast across communities is impossible: A's MAC is unknown in "othernet".
        #expect(h.receive(F.packet(from: macD, to: F.macA, community: other), from: sockD).isEmpty)
        #expect(h.engine.statistics[.unknownDestination] == 1)
    }

    @Test func broadcastIsNotSentBackToTheSendingSocket() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        // A second MAC registered from A's socket (an edge cannot do that, a prankster can).
        h.receive(F.registerSuper(F.macC), from: F.sockA)
        let sent = h.receive(F.packet(from: F.macA, to: .broadcast), from: F.sockA)
        #expect(sent.map(\.destination) == [F.sockB])
    }

    @Test func unicastToUnknownMacIsDroppedAndCounted() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        #expect(h.receive(F.packet(from: F.macA, to: F.macB), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.unknownDestination] == 1)
        #expect(h.engine.statistics.forwarded == 0)
    }

    @Test func unregisteredOrSpoofedSendersAreNotRelayed() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        // C never registered.
        #expect(h.receive(F.packet(from: F.macC, to: F.macB), from: F.sockC).isEmpty)
        // Someone claims A's MAC from another socket.
        #expect(h.receive(F.packet(from: F.macA, to: F.macB), from: F.sockC).isEmpty)
        #expect(h.receive(F.queryPeer(from: F.macA, for: F.macB), from: F.sockC).isEmpty)
        #expect(h.engine.statistics[.unregisteredSender] == 3)

        // With the check off (2.8 behaviour) the stranger is relayed.
        var options = SupernodeEngineOptions()
        options.requireRegisteredSender = false
        let open = SupernodeHarness(options: options)
        open.receive(F.registerSuper(F.macB), from: F.sockB)
        #expect(open.receive(F.packet(from: F.macC, to: F.macB), from: F.sockC).map(\.destination) == [F.sockB])
    }

    @Test func packetForUnknownCommunityIsDropped() {
        let h = SupernodeHarness()
        #expect(h.receive(F.packet(from: F.macA, to: F.macB), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.unknownCommunity] == 1)
        #expect(h.engine.communities.isEmpty)
    }

    @Test func communityLookupIsTheNulTerminatedName() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        // "mynet\0" followed by junk names the same community (2.8 compares C strings).
        var junk = F.registerSuper(F.macB)
        junk[12] = 0x77
        junk[18] = 0x01
        let sent = h.receive(junk, from: F.sockB)
        #expect(sent.count == 1)
        #expect(h.engine.communities.count == 1)
        #expect(h.engine.communities[F.community]?.edges.count == 2)
        // The ACK echoes the community bytes as received.
        #expect(Array(sent[0].bytes[4..<20]) == Array(junk[4..<20]))
    }

    @Test func ttlZeroShortAndUnterminatedDatagramsAreDropped() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        #expect(h.receive(F.packet(from: F.macA, to: F.macB, ttl: 0), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.ttlZero] == 1)

        #expect(h.receive(Array(F.registerSuper(F.macA)[0..<19]), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.tooShort] == 1)

        #expect(h.receive([], from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.empty] == 1)

        var unterminated = F.registerSuper(F.macC)
        for i in 4..<20 { unterminated[i] = 0x61 }
        #expect(h.receive(unterminated, from: F.sockC).isEmpty)
        #expect(h.engine.statistics[.communityUnterminated] == 1)

        var badVersion = F.registerSuper(F.macC)
        badVersion[0] = 3
        #expect(h.receive(badVersion, from: F.sockC).isEmpty)
        #expect(h.engine.statistics[.badVersion] == 1)

        var highFlags = F.registerSuper(F.macC)
        highFlags[3] |= 0x80
        #expect(h.receive(highFlags, from: F.sockC).isEmpty)
        #expect(h.engine.statistics[.unknownType] == 1)
        #expect(h.engine.edgeCount == 2)
    }

    @Test func ignoredTypesAreCounted() throws {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        let ack = try WireCodec.encode(CommonHeader(code: .registerAck, community: F.community),
                                       .registerAck(RegisterAck(cookie: 1, dstMac: F.macA, srcMac: F.macB)))
        let ping = try WireCodec.encode(CommonHeader(code: .ping, community: F.community), .ignored(.ping))
        #expect(h.receive(ack, from: F.sockB).isEmpty)
        #expect(h.receive(ping, from: F.sockB).isEmpty)
        #expect(h.engine.statistics[.ignoredType] == 2)
    }

    @Test(arguments: [33, 100, 0xFFFF])
    func registerSuperWithOversizedTokenIsRejected(tokenSize: Int) {
        let h = SupernodeHarness()
        var request = F.registerSuper(F.macA)
        request[32] = UInt8(tokenSize >> 8)
        request[33] = UInt8(tokenSize & 0xFF)
        request += [UInt8](repeating: 0x55, count: min(tokenSize, 200))
        #expect(h.receive(request, from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.authTokenTooLong] == 1)
        #expect(h.engine.edgeCount == 0)
    }

    @Test func registerSuperWithTokenUpTo32IsAccepted() {
        let h = SupernodeHarness()
        var request = F.registerSuper(F.macA)
        request[33] = 32
        request += [UInt8](repeating: 0x55, count: 32)
        #expect(h.receive(request, from: F.sockA).count == 1)
        #expect(h.engine.edgeCount == 1)
        // Announced but missing token bytes: truncated.
        var short = F.registerSuper(F.macB)
        short[33] = 8
        #expect(h.receive(short, from: F.sockB).isEmpty)
        #expect(h.engine.statistics[.truncated] == 1)
    }

    @Test func lockedWhitelistRefusesOtherCommunitiesWithANak() throws {
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: ["mynet", "second"]))
        #expect(h.engine.isLocked)
        #expect(h.engine.communities.count == 2)
        let request = F.registerSuper(F.macA, community: Community("intruder"))
        let refused = h.receive(request, from: F.sockA)
        // The NAK 2.x edges ignore: FROM_SUPERNODE, the same community bytes, the cookie echoed.
        #expect(refused.count == 1)
        #expect(refused.first?.destination == F.sockA)
        let nak = try WireCodec.decode(try #require(refused.first?.bytes))
        #expect(nak.header.code == .registerSuperNak)
        #expect(nak.header.flags == .fromSupernode)
        #expect(nak.header.community == Community("intruder"))
        #expect(nak.message == .registerSuperNak(RegisterSuperNak(cookie: UInt32(bigEndian: request.withUnsafeBytes {
            $0.loadUnaligned(fromByteOffset: 20, as: UInt32.self)
        }))))
        #expect(h.engine.statistics[.communityNotAllowed] == 1)
        #expect(h.engine.statistics.registerSuperNak == 1)
        #expect(h.engine.statistics.registerSuper == 1)
        #expect(h.engine.communities.count == 2)
        #expect(h.engine.managementReport().first?.contains("reg_nak   1\n") == true)
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockA).count == 1)

        // An empty list locks too.
        let empty = SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: []))
        #expect(empty.receive(F.registerSuper(F.macA), from: F.sockA).count == 1)
        #expect(empty.engine.communities.isEmpty)
        #expect(empty.engine.statistics.registerSuperNak == 1)
    }

    @Test func purgeRemovesEdgesAfterSixtySecondsAndEmptyOpenCommunities() {
        let h = SupernodeHarness(options: SupernodeEngineOptions())
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.advance(seconds: 30)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        h.advance(seconds: 30)
        h.engine.purge()                      // A seen 60 s ago: kept
        #expect(h.engine.edgeCount == 2)
        h.advance(seconds: 1)
        h.engine.purge()                      // A 61 s: gone, B 31 s: kept
        #expect(h.engine.edgeCount == 1)
        #expect(h.engine.communities[F.community]?.edges[F.macA] == nil)
        h.advance(seconds: 30)
        h.engine.purge()
        #expect(h.engine.edgeCount == 0)
        #expect(h.engine.communities.isEmpty)
    }

    @Test func tickPurgesEveryThirtySeconds() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        for _ in 0..<6 {
            h.advance(seconds: 10)
            h.engine.tick()
        }
        // At 60 s the purge keeps A (not older than 60 s); the next one, at 90 s, removes it.
        #expect(h.engine.edgeCount == 1)
        for _ in 0..<3 {
            h.advance(seconds: 10)
            h.engine.tick()
        }
        #expect(h.engine.edgeCount == 0)
    }

    @Test func whitelistedCommunitiesSurvivePurge() {
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: ["mynet"]))
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        #expect(h.engine.communities[F.community]?.headerMode == .plain)
        h.advance(seconds: 61)
        h.engine.purge()
        #expect(h.engine.communities[F.community] != nil)
        #expect(h.engine.communities[F.community]?.headerMode == .unknown)
    }

    @Test func rebindFromAnotherAddressWaitsForTheHoldoff() {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        // Same IP, new port (edge restarted): moved at once.
        let samehost = PeerSocket(ipv4: 0xC633_6401, port: 60000)
        #expect(h.receive(F.registerSuper(F.macA), from: samehost).count == 1)
        #expect(h.engine.communities[F.community]?.edges[F.macA]?.socket == samehost)
        // Another IP while the registration is fresh: refused, silently (45 s since issue 10 item 7).
        h.advance(seconds: 44)
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockC).isEmpty)
        #expect(h.engine.statistics[.rebindRefused] == 1)
        h.advance(seconds: 1)
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockC).count == 1)
        #expect(h.engine.communities[F.community]?.edges[F.macA]?.socket == F.sockC)

        var options = SupernodeEngineOptions()
        options.rebindHoldoff = 0
        let reference = SupernodeHarness(options: options)
        reference.receive(F.registerSuper(F.macA), from: F.sockA)
        #expect(reference.receive(F.registerSuper(F.macA), from: F.sockC).count == 1)
    }

    @Test func broadcastFanOutIsRateLimitedPerEdge() {
        var options = SupernodeEngineOptions()
        options.broadcastRate = 10
        options.broadcastBurst = 5
        let h = SupernodeHarness(options: options)
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        h.receive(F.registerSuper(F.macB), from: F.sockB)
        var delivered = 0
        for _ in 0..<8 { delivered += h.receive(F.packet(from: F.macA, to: .broadcast), from: F.sockA).count }
        #expect(delivered == 5)
        #expect(h.engine.statistics[.broadcastRateLimited] == 3)
        h.advance(seconds: 1)                // 10 tokens, capped at 5
        delivered = 0
        for _ in 0..<8 { delivered += h.receive(F.packet(from: F.macA, to: .broadcast), from: F.sockA).count }
        #expect(delivered == 5)
        // Unicast is not limited.
        for _ in 0..<20 { #expect(h.receive(F.packet(from: F.macA, to: F.macB), from: F.sockA).count == 1) }
    }

    @Test func tablesHaveLimits() {
        var options = SupernodeEngineOptions()
        options.maxCommunities = 2
        options.maxEdges = 3
        let h = SupernodeHarness(options: options)
        for (i, name) in ["a", "b", "c"].enumerated() {
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 1, UInt8(i)), community: Community(name)), from: F.sockA)
        }
        #expect(h.engine.communities.count == 2)
        for i in 0..<3 {
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 2, UInt8(i)), community: Community("a")),
                      from: PeerSocket(ipv4: 0x0A00_0001 + UInt32(i), port: 1))
        }
        #expect(h.engine.edgeCount == 3)
        #expect(h.engine.statistics[.tableFull] == 3)
    }

    @Test func sendErrorsAreCounted() {
        let h = SupernodeHarness()
        h.engine.noteSendErrors(3)
        #expect(h.engine.statistics.errors == 3)
    }
}

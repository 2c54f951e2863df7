import N2NWire
import Testing
import TestSupport
@testable import PacketCore

// Issue 17 item 3: one community, edges registered over IPv4 and over IPv6. The supernode relays
// between the families and never sends a socket to an edge that cannot use it (a stock 2.x edge,
// or any edge that registered over IPv4, only ever sees IPv4 socks).
extension RecordingSink.Sent {
    var decoded: DecodedPacket? { try? WireCodec.decode(bytes) }
}

@Suite struct SupernodeIPv6Tests {
    typealias F = Fixture
    static let v6A = PeerSocket(address: .v6(0x2001_0DB8_0000_000A, 1), port: 40001)
    static let v6B = PeerSocket(address: .v6(0x2001_0DB8_0000_000B, 1), port: 40002)

    /// Every sock a sent datagram carries.
    static func socks(_ sent: RecordingSink.Sent) -> [PeerSocket] {
        switch sent.decoded?.message {
        case .packet(let m)?: return m.sock.map { [$0] } ?? []
        case .register(let m)?: return m.sock.map { [$0] } ?? []
        case .registerAck(let m)?: return m.sock.map { [$0] } ?? []
        case .registerSuperAck(let m)?: return [m.sock] + (m.backupSupernode.map { [$0] } ?? [])
        case .peerInfo(let m)?: return [m.sock]
        default: return []
        }
    }

    /// A and B over IPv6, C over IPv4 (a stock edge, say).
    static func mixedCommunity() -> SupernodeHarness {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA), from: v6A)
        h.receive(F.registerSuper(F.macB), from: v6B)
        h.receive(F.registerSuper(F.macC), from: F.sockC)
        return h
    }

    @Test func ipv6EdgeIsAckedWithItsIPv6Socket() throws {
        let h = SupernodeHarness()
        let sent = h.receive(F.registerSuper(F.macA), from: Self.v6A)
        #expect(sent.map(\.destination) == [Self.v6A])
        guard case .registerSuperAck(let ack)? = sent.first?.decoded?.message else { Issue.record("no ACK"); return }
        #expect(ack.sock == Self.v6A)
        #expect(h.engine.communities[F.community.lookupKey]?.edges[F.macA]?.socket == Self.v6A)
    }

    @Test func peerInfoOnlyWithinAFamily() throws {
        let h = Self.mixedCommunity()
        // IPv6 asks about IPv6: answered with the IPv6 socket.
        let same = h.receive(F.queryPeer(from: F.macA, for: F.macB), from: Self.v6A)
        guard case .peerInfo(let info)? = same.first?.decoded?.message else { Issue.record("no PEER_INFO"); return }
        #expect(info.sock == Self.v6B)
        // IPv4 asks about IPv6, and IPv6 about IPv4: no answer, counted.
        #expect(h.receive(F.queryPeer(from: F.macC, for: F.macA), from: F.sockC).isEmpty)
        #expect(h.receive(F.queryPeer(from: F.macA, for: F.macC), from: Self.v6A).isEmpty)
        #expect(h.engine.statistics[.otherFamily] == 2)
    }

    @Test func registerIsRelayedOnlyWithinAFamily() {
        let h = Self.mixedCommunity()
        let same = h.receive(F.register(from: F.macA, to: F.macB), from: Self.v6A)
        #expect(same.map(\.destination) == [Self.v6B])
        #expect(same.flatMap(Self.socks) == [Self.v6A])
        #expect(h.receive(F.register(from: F.macC, to: F.macA), from: F.sockC).isEmpty)
        #expect(h.receive(F.register(from: F.macA, to: F.macC), from: Self.v6A).isEmpty)
        #expect(h.engine.statistics[.otherFamily] == 2)
    }

    @Test func unicastIsRelayedAcrossFamiliesWithoutTheSock() throws {
        let h = Self.mixedCommunity()
        let payload: [UInt8] = [1, 2, 3, 4, 5]
        // IPv6 -> IPv4: relayed, no sock; the payload is intact.
        let toV4 = h.receive(F.packet(from: F.macA, to: F.macC, payload: payload), from: Self.v6A)
        #expect(toV4.map(\.destination) == [F.sockC])
        let decoded = try #require(toV4.first?.decoded)
        guard case .packet(let m) = decoded.message else { Issue.record("not a PACKET"); return }
        #expect(m.sock == nil)
        #expect(decoded.header.flags.contains(PacketFlags.fromSupernode))
        #expect(!decoded.header.flags.contains(PacketFlags.socket))
        #expect(Array(toV4[0].bytes[decoded.bodyEnd...]) == payload)
        // IPv4 -> IPv6: relayed, no sock either.
        let toV6 = h.receive(F.packet(from: F.macC, to: F.macA, payload: payload), from: F.sockC)
        #expect(toV6.map(\.destination) == [Self.v6A])
        #expect(toV6.flatMap(Self.socks).isEmpty)
        // Within IPv6 the sock is there, for P2P.
        let within = h.receive(F.packet(from: F.macA, to: F.macB, payload: payload), from: Self.v6A)
        #expect(within.flatMap(Self.socks) == [Self.v6A])
        #expect(h.engine.statistics.forwarded == 3)
        #expect(h.engine.statistics[.otherFamily] == 0)
    }

    @Test func broadcastReachesBothFamiliesEachWithWhatItCanUse() throws {
        let h = Self.mixedCommunity()
        h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 0, 4)), from: F.sockB)
        let fromV4 = h.receive(F.packet(from: F.macC, to: .broadcast), from: F.sockC)
        #expect(Set(fromV4.map(\.destination)) == [Self.v6A, Self.v6B, F.sockB])
        for sent in fromV4 {
            #expect(Self.socks(sent) == (sent.destination == F.sockB ? [F.sockC] : []))
        }
        let fromV6 = h.receive(F.packet(from: F.macA, to: .broadcast), from: Self.v6A)
        #expect(Set(fromV6.map(\.destination)) == [Self.v6B, F.sockC, F.sockB])
        for sent in fromV6 {
            #expect(Self.socks(sent) == (sent.destination == Self.v6B ? [Self.v6A] : []))
        }
        #expect(h.engine.statistics.broadcast == 6)
    }

    @Test func broadcastBudgetSpansBothPasses() {
        var options = SupernodeEngineOptions()
        options.broadcastRate = 1
        options.broadcastBurst = 3
        let h = SupernodeHarness(options: options)
        h.receive(F.registerSuper(F.macA), from: F.sockA)
        for i in 0..<3 {
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 8, UInt8(i))), from: PeerSocket(ipv4: 0x0A00_0001, port: 100 + UInt16(i)))
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 9, UInt8(i))),
                      from: PeerSocket(address: .v6(0x2001_0DB8_0000_0001, UInt64(i + 1)), port: 100))
        }
        #expect(h.receive(F.packet(from: F.macA, to: .broadcast), from: F.sockA).count == 3)
        #expect(h.engine.statistics[.broadcastRateLimited] == 1)
    }

    /// What "never send one to a peer that cannot use it" means: a whole mixed session, and not one
    /// datagram to an IPv4 socket names an IPv6 socket (nor the other way round).
    @Test func noIPv4DestinationEverSeesAnIPv6Sock() {
        let h = Self.mixedCommunity()
        var all: [RecordingSink.Sent] = []
        let edges: [(MACAddress, PeerSocket)] = [(F.macA, Self.v6A), (F.macB, Self.v6B), (F.macC, F.sockC)]
        for (src, from) in edges {
            all += h.receive(F.registerSuper(src), from: from)
            all += h.receive(F.packet(from: src, to: .broadcast), from: from)
            for (dst, _) in edges where dst != src {
                all += h.receive(F.packet(from: src, to: dst), from: from)
                all += h.receive(F.register(from: src, to: dst), from: from)
                all += h.receive(F.queryPeer(from: src, for: dst), from: from)
            }
        }
        #expect(all.count > 15)
        for sent in all {
            for sock in Self.socks(sent) { #expect(sock.sameFamily(as: sent.destination), "\(sock) to \(sent.destination)") }
        }
    }

    /// Hardening: the per-address quotas count an IPv6 source's /64, so one host cannot escape them
    /// by taking a new address of its prefix for each registration.
    @Test func perAddressQuotasCountTheIPv6Prefix() {
        var options = SupernodeEngineOptions()
        options.maxMacsPerAddress = 4
        options.maxCommunitiesPerAddress = 2
        let h = SupernodeHarness(options: options)
        for i in 0..<10 {
            let from = PeerSocket(address: .v6(0x2001_0DB8_0000_0001, UInt64(i + 1)), port: 4000)
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 7, UInt8(i))), from: from)
        }
        #expect(h.engine.edgeCount == 4)
        // Another /64 has its own quota.
        h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 6, 1)), from: PeerSocket(address: .v6(0x2001_0DB8_0000_0002, 1), port: 4000))
        #expect(h.engine.edgeCount == 5)
        for i in 0..<5 {
            h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 5, UInt8(i)), community: Community("c\(i)")),
                      from: PeerSocket(address: .v6(0x2001_0DB8_0000_0003, UInt64(i + 1)), port: 4000))
        }
        #expect(h.engine.communities.count == 1 + 2)
        #expect(h.engine.statistics[.quotaExceeded] == 6 + 3)
        // The purge's recount keys them the same way.
        h.engine.purge()
        h.receive(F.registerSuper(MACAddress(2, 0, 0, 0, 7, 99)), from: PeerSocket(address: .v6(0x2001_0DB8_0000_0001, 77), port: 1))
        #expect(h.engine.edgeCount == 7)
    }
}

import N2NWire
import Testing
import LinuxSystem
@testable import PacketCore

/// Header-encryption handling of the engine (spec 4.6, 4.7 and the fix of spec 10.2 item 16), with a
/// stand-in cipher; the real cipher is tested in SupernodeHeaderEncryptionTests.
@Suite struct SupernodeHeaderModeTests {
    typealias F = Fixture

    static func harness(_ names: [String] = ["mynet"]) -> SupernodeHarness {
        SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: names), encryption: true)
    }

    @Test func encryptedRegistrationIsAckedEncrypted() throws {
        let h = Self.harness()
        let cipher = try #require(h.ciphers[F.community])
        let sent = h.receive(cipher.sealed(F.registerSuper(F.macA), stamp: h.stamp()), from: F.specSocket)
        #expect(sent.count == 1)
        let reply = try #require(sent.first.flatMap { cipher.opened($0.bytes) })
        #expect(reply.plain == F.hex("""
            02 02 00 66 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 01 02 03 04 02 00 00 00 00 01 00 0f
            00 00 9c 40 cb 00 71 05 00
            """))
        #expect(HeaderStamp.isWithinFrame(reply.stamp, now: h.stamp(random: 0)))
        #expect(sent.first?.bytes[2] == 41)             // sealed over the whole ACK
        #expect(h.engine.communities[F.community]?.headerMode == .encrypted)
    }

    @Test func plainPacketsCannotDowngradeAnEncryptedCommunity() throws {
        let h = Self.harness()
        let cipher = try #require(h.ciphers[F.community])
        h.receive(cipher.sealed(F.registerSuper(F.macA), stamp: h.stamp()), from: F.sockA)
        #expect(h.receive(F.registerSuper(F.macB), from: F.sockB).isEmpty)
        #expect(h.receive(F.packet(from: F.macA, to: .broadcast), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.plainInEncryptedCommunity] == 2)
        #expect(h.engine.communities[F.community]?.headerMode == .encrypted)
        #expect(h.engine.edgeCount == 1)
    }

    @Test func modeFollowsTheRegisteredEdges() throws {
        let h = Self.harness()
        let cipher = try #require(h.ciphers[F.community])
        // A plain edge first: the community is plain, but not for ever.
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockA).count == 1)
        #expect(h.engine.communities[F.community]?.headerMode == .plain)
        // Encrypted traffic other than a registration is refused while plain edges hold it.
        #expect(h.receive(cipher.sealed(F.queryPeer(from: F.macA, for: F.macA), stamp: h.stamp()), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.encryptedInPlainCommunity] == 1)
        // An encrypted registration takes over and evicts the plain edge, once it has been quiet
        // for 45 s (issue 10 item 6: before, at once).
        #expect(h.receive(cipher.sealed(F.registerSuper(F.macB), stamp: h.stamp()), from: F.sockB).isEmpty)
        h.advance(seconds: 45)
        #expect(h.receive(cipher.sealed(F.registerSuper(F.macB), stamp: h.stamp(random: 7)), from: F.sockB).count == 1)
        #expect(h.engine.communities[F.community]?.headerMode == .encrypted)
        #expect(h.engine.communities[F.community]?.edges.keys.sorted() == [F.macB])
        #expect(h.engine.edgeCount == 1)
        // Once every edge has gone, the community is open to either kind again.
        h.advance(seconds: 61)
        h.engine.purge()
        #expect(h.engine.communities[F.community]?.headerMode == .unknown)
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockA).count == 1)
        #expect(h.engine.communities[F.community]?.headerMode == .plain)
    }

    @Test func replaysAndStaleStampsAreRejected() throws {
        let h = Self.harness()
        let cipher = try #require(h.ciphers[F.community])
        let registration = cipher.sealed(F.registerSuper(F.macA), stamp: h.stamp(random: 1))
        #expect(h.receive(registration, from: F.sockA).count == 1)
        // The identical datagram again (within the 160 ms jitter 2.8 allows): rejected.
        #expect(h.receive(registration, from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.headerReplay] == 1)
        // A stamp a second older than the newest one seen: rejected.
        let older = h.stamp(random: 5, offsetMicroseconds: -1_000_000)
        #expect(h.receive(cipher.sealed(F.registerSuper(F.macA), stamp: older), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.headerReplay] == 2)
        // Slightly older but new (re-ordering within 160 ms): accepted.
        let reordered = h.stamp(random: 9, offsetMicroseconds: -100_000)
        #expect(h.receive(cipher.sealed(F.registerSuper(F.macA), stamp: reordered), from: F.sockA).count == 1)
        // Outside ±16 s of the clock: rejected, also for unknown senders.
        let stale = h.stamp(random: 0, offsetMicroseconds: -17_000_000)
        #expect(h.receive(cipher.sealed(F.registerSuper(F.macB), stamp: stale), from: F.sockB).isEmpty)
        let future = h.stamp(random: 0, offsetMicroseconds: 17_000_000)
        #expect(h.receive(cipher.sealed(F.registerSuper(F.macB), stamp: future), from: F.sockB).isEmpty)
        #expect(h.engine.statistics[.headerStampWindow] == 2)
        // A relayed PACKET replayed by its sender: rejected too.
        h.receive(cipher.sealed(F.registerSuper(F.macB), stamp: h.stamp(random: 3)), from: F.sockB)
        let packet = cipher.sealed(F.packet(from: F.macA, to: F.macB), headerLength: 34, stamp: h.stamp(random: 77))
        #expect(h.receive(packet, from: F.sockA).count == 1)
        #expect(h.receive(packet, from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.headerReplay] == 3)
    }

    @Test func relayedPacketIsResealedOverItsNewHeader() throws {
        let h = Self.harness()
        let cipher = try #require(h.ciphers[F.community])
        h.receive(cipher.sealed(F.registerSuper(F.macA), stamp: h.stamp(random: 1)), from: F.specSocket)
        h.receive(cipher.sealed(F.registerSuper(F.macB), stamp: h.stamp(random: 2)), from: F.sockB)
        let payload: [UInt8] = Array(100..<177)
        let sent = h.receive(cipher.sealed(F.packet(from: F.macA, to: F.macB, payload: payload), headerLength: 34,
                                           stamp: h.stamp(random: 3)), from: F.specSocket)
        #expect(sent.map(\.destination) == [F.sockB])
        #expect(sent.first?.bytes[2] == 42)
        let relayed = try #require(sent.first.flatMap { cipher.opened($0.bytes) })
        #expect(relayed.plain == F.hex("""
            02 01 00 63 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 02 00 00 00 00 01 02 00 00 00 00 02
            00 00 9c 40 cb 00 71 05 00 05
            """) + payload)
        // The payload itself is carried as is.
        #expect(Array(sent[0].bytes[42...]) == payload)
    }

    @Test func encryptedBroadcastIsSealedOnceForAllReceivers() throws {
        let h = Self.harness()
        let cipher = try #require(h.ciphers[F.community])
        for (i, (mac, sock)) in [(F.macA, F.sockA), (F.macB, F.sockB), (F.macC, F.sockC)].enumerated() {
            h.receive(cipher.sealed(F.registerSuper(mac), stamp: h.stamp(random: UInt16(i))), from: sock)
        }
        let sent = h.receive(cipher.sealed(F.packet(from: F.macA, to: .broadcast), headerLength: 34,
                                           stamp: h.stamp(random: 9)), from: F.sockA)
        #expect(Set(sent.map(\.destination)) == [F.sockB, F.sockC])
        #expect(Set(sent.map(\.bytes)).count == 1)
        #expect(cipher.opened(sent[0].bytes) != nil)
    }

    @Test func peerInfoIsEncryptedForEncryptedCommunities() throws {
        let h = Self.harness()
        let cipher = try #require(h.ciphers[F.community])
        h.receive(cipher.sealed(F.registerSuper(F.macA), stamp: h.stamp(random: 1)), from: F.sockA)
        h.receive(cipher.sealed(F.registerSuper(F.macB), stamp: h.stamp(random: 2)), from: F.specSocket)
        let sent = h.receive(cipher.sealed(F.queryPeer(from: F.macA, for: F.macB), stamp: h.stamp(random: 3)), from: F.sockA)
        let reply = try #require(sent.first.flatMap { cipher.opened($0.bytes) })
        #expect(reply.plain == F.hex("""
            02 02 00 29 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 00 00 02 00 00 00 00 02 00 00 9c 40
            cb 00 71 05
            """))
    }

    @Test func badChecksumAndUnknownKeysAreDropped() throws {
        let h = Self.harness()
        let cipher = try #require(h.ciphers[F.community])
        var tampered = cipher.sealed(F.packet(from: F.macA, to: F.macB), headerLength: 34, stamp: h.stamp())
        tampered[tampered.count - 1] ^= 0x01
        #expect(h.receive(tampered, from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.headerChecksum] == 1)
        // Sealed with a community the supernode does not list.
        let stranger = FakeHeaderCipher(Community("zzz"))
        #expect(h.receive(stranger.sealed(F.registerSuper(F.macA, community: Community("zzz")), stamp: h.stamp()), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.headerUndecryptable] == 1)
    }

    @Test func registeredSocketsSkipTrialDecryption() throws {
        let h = Self.harness(["alpha", "mynet"])
        let alpha = try #require(h.ciphers[Community("alpha")])
        let mynet = try #require(h.ciphers[F.community])
        h.receive(mynet.sealed(F.registerSuper(F.macA), stamp: h.stamp(random: 1)), from: F.sockA)
        h.receive(mynet.sealed(F.registerSuper(F.macB), stamp: h.stamp(random: 2)), from: F.sockB)
        let alphaTries = alpha.opens
        for i in 0..<10 {
            let packet = mynet.sealed(F.packet(from: F.macA, to: F.macB), headerLength: 34, stamp: h.stamp(random: UInt16(10 + i)))
            #expect(h.receive(packet, from: F.sockA).count == 1)
        }
        #expect(alpha.opens == alphaTries)

        // After a sort the busiest community is tried first even for an unknown socket.
        h.engine.sortTrialOrder()
        h.receive(mynet.sealed(F.registerSuper(F.macC), stamp: h.stamp(random: 40)), from: F.sockC)
        #expect(alpha.opens == alphaTries)
    }
}

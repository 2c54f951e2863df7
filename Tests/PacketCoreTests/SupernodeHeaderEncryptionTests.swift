import N2NWire
import Testing
import LinuxSystem
@testable import PacketCore

/// The engine with the real header cipher (spec 4): the spec 4.8 datagrams are accepted at the time
/// their stamp names, replies and relays decrypt to the spec 1.6 bytes, replays are refused.
@Suite struct SupernodeHeaderEncryptionTests {
    typealias F = Fixture

    /// 0x6000000012345abc: seconds 0x60000000, microseconds 0x12345, random bits 0xabc (spec 4.8).
    static let vectorStamp: UInt64 = 0x6000_0000_1234_5ABC
    static let vectorTime = WallTime(seconds: 0x6000_0000, microseconds: 0x12345)

    /// REGISTER_SUPER of spec 1.6 encrypted (spec 4.8).
    static let encryptedRegisterSuper = F.hex("""
        89 06 61 ba 86 a3 38 ec ce 63 b9 5f 1f a7 c0 c0
        ab 62 3d a7 6e 4a cb c5 30 ae bf 1d 26 03 48 94
        6c be
        """)

    /// PACKET A→B with the 77-byte Speck payload, H = 34 (spec 4.8).
    static let encryptedPacket = F.hex("""
        01 9c 8a 86 66 3a 2e 8c fa ce 50 b7 48 09 16 da
        cc 09 d3 ce ac 5c e0 39 62 da cc 2e 76 aa 2a ee
        7e b0 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c
        0d 0e 0f e8 76 13 a2 2c fa 2e b3 02 23 df 3b 98
        3e 84 1b 09 9d 71 c5 b3 75 8a 17 b6 63 c5 02 e6
        32 24 93 45 62 fe 8b d4 f4 ff ef 5d 95 2f fc 59
        c6 b6 3e 70 95 f3 58 0a cc 91 14 ba 0c 5c 23
        """)

    final class Setup {
        let sink = RecordingSink()
        let engine: SupernodeEngine
        let edgeCipher = HeaderCipher(community: F.community)
        let random = CountingRandom()
        let clock: ManualClock
        var now: WallTime { clock.wallTime }

        init(now: WallTime = SupernodeHeaderEncryptionTests.vectorTime, whitelist: [String] = ["mynet"]) {
            clock = ManualClock(wall: now)
            var options = SupernodeEngineOptions(whitelistNames: whitelist)
            options.rebindHoldoff = 0
            engine = SupernodeEngine(options: options, output: sink,
                                     headerCipherFactory: CommunityHeaderCipher.factory(random: random),
                                     random: random, clock: clock)
            engine.logger.logLevel = .critical
        }

        @discardableResult
        func receive(_ bytes: [UInt8], from source: PeerSocket) -> [RecordingSink.Sent] {
            var copy = bytes
            copy.withUnsafeMutableBytes { engine.handleDatagram($0, from: source) }
            return sink.take()
        }

        /// What an edge with `-H` does before sending.
        func encrypt(_ plain: [UInt8], headerLength: Int? = nil, random12: UInt16) -> [UInt8] {
            var out = plain
            let stamp = EdgeReplayWindow.stamp(now, random12: random12)
            out.withUnsafeMutableBytes { buffer in
                try! edgeCipher.encrypt(buffer, headerLength: headerLength ?? plain.count, stamp: stamp, random: random)
            }
            return out
        }

        /// What an edge with `-H` does on receipt; nil if the header does not decrypt.
        func decrypt(_ sealed: [UInt8]) -> (plain: [UInt8], stamp: UInt64, headerLength: Int)? {
            var out = sealed
            let result = out.withUnsafeMutableBytes { buffer -> (UInt64, Int)? in
                do throws(HeaderCryptoError) {
                    let r = try edgeCipher.decrypt(buffer)
                    return (r.stamp, r.headerLength)
                } catch {
                    return nil
                }
            }
            guard let (stamp, h) = result else { return nil }
            return (out, stamp, h)
        }
    }

    @Test func specVectorRegistrationIsAcceptedAndAckedEncrypted() throws {
        let s = Setup()
        #expect(Self.vectorStamp == EdgeReplayWindow.stamp(Self.vectorTime, random12: 0xABC))
        let sent = s.receive(Self.encryptedRegisterSuper, from: F.specSocket)
        #expect(sent.count == 1)
        #expect(sent.first?.destination == F.specSocket)
        #expect(s.engine.communities[F.community]?.headerMode == .encrypted)
        let ack = try #require(sent.first.flatMap { s.decrypt($0.bytes) })
        #expect(ack.plain == F.hex("""
            02 02 00 66 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 01 02 03 04 02 00 00 00 00 01 00 0f
            00 00 9c 40 cb 00 71 05 00
            """))
        #expect(ack.headerLength == 41)
        #expect(HeaderStamp.isWithinFrame(ack.stamp, now: EdgeReplayWindow.stamp(s.now)))
        #expect(ack.stamp != Self.vectorStamp)
        // The ACK is not readable as a plain header.
        #expect(sent[0].bytes.withUnsafeBytes { headerLooksPlain($0) } == false)
    }

    @Test func replayOfTheSameDatagramIsRejected() {
        let s = Setup()
        #expect(s.receive(Self.encryptedRegisterSuper, from: F.specSocket).count == 1)
        #expect(s.receive(Self.encryptedRegisterSuper, from: F.specSocket).isEmpty)
        #expect(s.engine.statistics[.headerReplay] == 1)
        // 20 s later the same bytes are outside the window.
        s.clock.advance(seconds: 20)
        #expect(s.receive(Self.encryptedRegisterSuper, from: F.specSocket).isEmpty)
        #expect(s.engine.statistics[.headerStampWindow] == 1)
    }

    @Test func specVectorPacketIsRelayedAndResealedOverFortyTwoBytes() throws {
        let s = Setup()
        s.receive(Self.encryptedRegisterSuper, from: F.specSocket)
        s.receive(s.encrypt(F.registerSuper(F.macB), random12: 0x111), from: F.sockB)
        let sent = s.receive(Self.encryptedPacket, from: F.specSocket)
        #expect(sent.map(\.destination) == [F.sockB])
        let relayed = try #require(sent.first.flatMap { s.decrypt($0.bytes) })
        #expect(relayed.headerLength == 42)
        #expect(Array(relayed.plain[0..<42]) == F.hex("""
            02 01 00 63 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 02 00 00 00 00 01 02 00 00 00 00 02
            00 00 9c 40 cb 00 71 05 00 05
            """))
        // The transform payload (bytes 34... of the vector) travels untouched.
        #expect(Array(sent[0].bytes[42...]) == Array(Self.encryptedPacket[34...]))
        #expect(s.engine.statistics.forwarded == 1)
        // Sent again: a replay.
        #expect(s.receive(Self.encryptedPacket, from: F.specSocket).isEmpty)
        #expect(s.engine.statistics[.headerReplay] == 1)
    }

    @Test func encryptedQueryPeerGetsAnEncryptedPeerInfo() throws {
        let s = Setup()
        s.receive(s.encrypt(F.registerSuper(F.macA), random12: 1), from: F.sockA)
        s.receive(s.encrypt(F.registerSuper(F.macB), random12: 2), from: F.specSocket)
        let sent = s.receive(s.encrypt(F.queryPeer(from: F.macA, for: F.macB), random12: 3), from: F.sockA)
        let info = try #require(sent.first.flatMap { s.decrypt($0.bytes) })
        #expect(info.plain == F.hex("""
            02 02 00 29 6d 79 6e 65 74 00 00 00 00 00 00 00
            00 00 00 00 00 00 02 00 00 00 00 02 00 00 9c 40
            cb 00 71 05
            """))
    }

    @Test func plainEdgesAreLockedOutOfAnEncryptedCommunityButNotForEver() {
        let s = Setup()
        s.receive(Self.encryptedRegisterSuper, from: F.specSocket)
        #expect(s.receive(F.registerSuper(F.macB), from: F.sockB).isEmpty)
        #expect(s.engine.statistics[.plainInEncryptedCommunity] == 1)
        s.clock.advance(seconds: 61)
        s.engine.purge()
        #expect(s.receive(F.registerSuper(F.macB), from: F.sockB).count == 1)
        #expect(s.engine.communities[F.community]?.headerMode == .plain)
    }

    @Test func otherCommunitiesKeysDoNotOpenIt() {
        let s = Setup(whitelist: ["other", "third"])
        #expect(s.receive(Self.encryptedRegisterSuper, from: F.specSocket).isEmpty)
        #expect(s.engine.statistics[.headerUndecryptable] == 1)
        // A corrupted checksum region under the right key.
        let t = Setup()
        var spoilt = Self.encryptedPacket
        spoilt[spoilt.count - 1] ^= 0x80
        #expect(t.receive(spoilt, from: F.specSocket).isEmpty)
        #expect(t.engine.statistics[.headerChecksum] == 1)
    }

    @Test func relayedBroadcastIsEncryptedOnceForEveryReceiver() throws {
        let s = Setup()
        for (i, (mac, sock)) in [(F.macA, F.sockA), (F.macB, F.sockB), (F.macC, F.sockC)].enumerated() {
            #expect(s.receive(s.encrypt(F.registerSuper(mac), random12: UInt16(i)), from: sock).count == 1)
        }
        let frame = F.packet(from: F.macA, to: .broadcast, payload: Array(0..<60))
        let sent = s.receive(s.encrypt(frame, headerLength: 34, random12: 7), from: F.sockA)
        #expect(Set(sent.map(\.destination)) == [F.sockB, F.sockC])
        #expect(Set(sent.map(\.bytes)).count == 1)
        let opened = try #require(s.decrypt(sent[0].bytes))
        #expect(Array(opened.plain[42...]) == Array(0..<60))
    }
}

import Testing
import N2NWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Spec 1.6 and 4.8 (community "mynet").
private let registerSuper = hex("""
    02 02 00 05 6d 79 6e 65 74 00 00 00 00 00 00 00
    00 00 00 00 01 02 03 04 02 00 00 00 00 01 00 00
    00 00
    """)
private let registerSuperWire = hex("""
    89 06 61 ba 86 a3 38 ec ce 63 b9 5f 1f a7 c0 c0
    ab 62 3d a7 6e 4a cb c5 30 ae bf 1d 26 03 48 94
    6c be
    """)
private let packetHeader = hex("""
    02 02 00 03 6d 79 6e 65 74 00 00 00 00 00 00 00
    00 00 00 00 02 00 00 00 00 01 02 00 00 00 00 02
    00 05
    """)
private let speckPayload = hex("""
    01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e
    0f e8 76 13 a2 2c fa 2e b3 02 23 df 3b 98 3e 84
    1b 09 9d 71 c5 b3 75 8a 17 b6 63 c5 02 e6 32 24
    93 45 62 fe 8b d4 f4 ff ef 5d 95 2f fc 59 c6 b6
    3e 70 95 f3 58 0a cc 91 14 ba 0c 5c 23
    """)
private let packetWire = hex("""
    01 9c 8a 86 66 3a 2e 8c fa ce 50 b7 48 09 16 da
    cc 09 d3 ce ac 5c e0 39 62 da cc 2e 76 aa 2a ee
    7e b0 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c
    0d 0e 0f e8 76 13 a2 2c fa 2e b3 02 23 df 3b 98
    3e 84 1b 09 9d 71 c5 b3 75 8a 17 b6 63 c5 02 e6
    32 24 93 45 62 fe 8b d4 f4 ff ef 5d 95 2f fc 59
    c6 b6 3e 70 95 f3 58 0a cc 91 14 ba 0c 5c 23
    """)
private let vectorStamp: UInt64 = 0x6000_0000_1234_5abc
private let mynet = Community("mynet")

private func encrypted(_ cipher: HeaderCipher, _ plain: [UInt8], headerLength: Int, stamp: UInt64 = vectorStamp,
                       random: [UInt8]) throws -> [UInt8] {
    var packet = plain
    try packet.withUnsafeMutableBytes {
        try cipher.encrypt($0, headerLength: headerLength, stamp: stamp, random: FixedRandom(random))
    }
    return packet
}

private func decrypted(_ cipher: HeaderCipher, _ wire: inout [UInt8]) throws -> (stamp: UInt64, headerLength: Int) {
    try wire.withUnsafeMutableBytes { try cipher.decrypt($0) }
}

private func matches(_ cipher: HeaderCipher, _ wire: [UInt8]) -> Bool {
    wire.withUnsafeBytes { cipher.matches($0) }
}

private func looksPlain(_ d: [UInt8]) -> Bool { d.withUnsafeBytes { headerLooksPlain($0) } }

@Suite struct HeaderEncryptionTests {
    @Test func keys() {
        let keys = HeaderKeys(community: mynet)
        #expect(keys.headerKey == hex("d9cb32e5c368205caa5893302f1306f0"))
        #expect(Pearson.hash128(keys.headerKey) == hex("f369c343f3fe0de4860db48be7214e08"))
        #expect(keys.ivKey == hex("f3fe0de4860db48be7214e08"))
        #expect(keys.headerCipher.rounds == 32)
    }

    @Test func registerSuperIntermediateValues() {
        let keys = HeaderKeys(community: mynet)
        #expect(Pearson.hash16(registerSuper) == 0x6825)
        var preIV = hex("6000000012345abc efbe 6825")
        preIV.withUnsafeMutableBytes { keys.ivCipher.encryptBlock($0.baseAddress!) }
        #expect(preIV == hex("890661ba86a338ecce63b95f"))
        var keystream = [UInt8](repeating: 0, count: 22)
        let iv = preIV + Array("n2n!".utf8)
        iv.withUnsafeBytes { ivp in
            keystream.withUnsafeMutableBytes {
                keys.headerCipher.ctr(iv: ivp.baseAddress!, input: $0.baseAddress!, output: $0.baseAddress!, count: 22)
            }
        }
        #expect(keystream == hex("7195aee2a9603da26f48c8c132aebf1d260248946cbe"))
    }

    @Test func registerSuperVector() throws {
        let cipher = HeaderCipher(community: mynet)
        let wire = try encrypted(cipher, registerSuper, headerLength: 34, random: [0xef, 0xbe])
        #expect(wire == registerSuperWire)
        #expect(matches(cipher, wire))
        var back = wire
        let result = try decrypted(cipher, &back)
        #expect(result.stamp == vectorStamp)
        #expect(result.headerLength == 34)
        #expect(back == registerSuper)
    }

    @Test func packetVector() throws {
        let cipher = HeaderCipher(community: mynet)
        let plain = packetHeader + speckPayload
        #expect(Pearson.hash16(plain) == 0xe597)
        let wire = try encrypted(cipher, plain, headerLength: 34, random: [0x34, 0x12])
        #expect(wire == packetWire)
        #expect(Array(wire[34...]) == speckPayload)
        var back = wire
        let result = try decrypted(cipher, &back)
        #expect(result.stamp == vectorStamp && result.headerLength == 34)
        #expect(back == plain)
    }

    @Test func roundTripManyShapes() throws {
        let cipher = HeaderCipher(community: Community("a-community-name-too-long"))
        for n in [20, 21, 33, 34, 36, 42, 100, 255, 256, 1500] {
            for h in Set([20, 27, 28, 29, 34, 42, n, min(n, 255)]) where h <= n && h <= 255 {
                var plain = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ n) }
                plain.replaceSubrange(4..<20, with: cipher.community.bytes)
                let stamp = vectorStamp &+ UInt64(n << 12)
                var wire = try encrypted(cipher, plain, headerLength: h, stamp: stamp, random: [UInt8(h), UInt8(n & 0xFF)])
                #expect(Array(wire[h...]) == Array(plain[h...]), "payload untouched, N \(n) H \(h)")
                #expect(matches(cipher, wire))
                let result = try decrypted(cipher, &wire)
                #expect(result.stamp == stamp && result.headerLength == h)
                #expect(wire == plain, "N \(n) H \(h)")
            }
        }
    }

    @Test func encryptRejectsImpossibleHeaderLengths() {
        let cipher = HeaderCipher(community: mynet)
        for (n, h) in [(34, 19), (34, 0), (34, -1), (34, 35), (10, 10), (300, 256)] {
            var packet = [UInt8](repeating: 0, count: n)
            #expect(throws: HeaderCryptoError.invalidHeaderLength(h, packetLength: n)) {
                try packet.withUnsafeMutableBytes {
                    try cipher.encrypt($0, headerLength: h, stamp: 1, random: FixedRandom([0]))
                }
            }
            #expect(packet == [UInt8](repeating: 0, count: n))
        }
    }

    /// CTR is malleable, so flipping bits of byte 15 sets the decrypted H to any value.
    @Test(arguments: [0, 11, 12, 19, 35, 255])
    func decryptRejectsHeaderLengthOutOfRange(h: Int) throws {
        let cipher = HeaderCipher(community: mynet)
        var wire = registerSuperWire
        wire[15] ^= UInt8(34 ^ h)
        #expect(!matches(cipher, wire))
        let before = wire
        #expect(throws: HeaderCryptoError.badHeaderLength(h, packetLength: 34)) { try decrypted(cipher, &wire) }
        #expect(wire == before)
    }

    @Test func decryptAcceptsHeaderLengthEqualToPacketLength() throws {
        // H = 20 over the REGISTER_SUPER is a valid (if unusual) encryption; it round-trips.
        let cipher = HeaderCipher(community: mynet)
        var wire = try encrypted(cipher, registerSuper, headerLength: 20, random: [1, 2])
        #expect(try decrypted(cipher, &wire).headerLength == 20)
        #expect(wire == registerSuper)
    }

    @Test func badChecksumIsRejected() throws {
        let cipher = HeaderCipher(community: mynet)
        var wire = packetWire
        wire[100] ^= 0x01  // payload is covered by the checksum but not encrypted
        #expect(matches(cipher, wire))
        #expect(throws: HeaderCryptoError.self) { try decrypted(cipher, &wire) }
        var again = packetWire
        again[100] ^= 0x01
        do {
            _ = try decrypted(cipher, &again)
            Issue.record("decrypt accepted a corrupted payload")
        } catch let error as HeaderCryptoError {
            guard case let .badChecksum(expected, computed) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(expected == 0xe597)
            #expect(computed != expected)
            #expect(error.counterName == "header_bad_checksum")
        }
        // A flipped pre-IV bit garbles the decrypted checksum (and the CTR IV, so the magic).
        var ivFlip = packetWire
        ivFlip[3] ^= 0x80
        #expect(throws: HeaderCryptoError.self) { try decrypted(cipher, &ivFlip) }
    }

    @Test func wrongCommunityIsRejected() throws {
        let other = HeaderCipher(community: Community("othernet"))
        for wire in [registerSuperWire, packetWire] {
            #expect(!matches(other, wire))
            var w = wire
            #expect(throws: HeaderCryptoError.noMagic) { try decrypted(other, &w) }
            #expect(w == wire)
        }
    }

    @Test func plainPacketsDoNotMatch() throws {
        let cipher = HeaderCipher(community: mynet)
        #expect(!matches(cipher, registerSuper))
        var plain = registerSuper
        #expect(throws: HeaderCryptoError.noMagic) { try decrypted(cipher, &plain) }
    }

    @Test func shortDatagramsAreRejected() throws {
        let cipher = HeaderCipher(community: mynet)
        for n in 0..<20 {
            var wire = Array(registerSuperWire[..<n])
            #expect(!matches(cipher, wire))
            #expect(throws: HeaderCryptoError.tooShort(n)) { try decrypted(cipher, &wire) }
        }
    }

    @Test func garbageNeverTraps() {
        let cipher = HeaderCipher(community: mynet)
        var g: UInt64 = 1
        var accepted = 0
        for i in 0..<3000 {
            let n = i % 120
            var wire = (0..<n).map { _ -> UInt8 in
                g = g &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: g >> 56)
            }
            if (try? decrypted(cipher, &wire)) != nil { accepted += 1 }
        }
        #expect(accepted == 0)
    }

    // MARK: time stamps (spec 4.3, 4.6)

    @Test func stampLayout() {
        let s = HeaderStamp.make(unixSeconds: 0x6000_0000, microseconds: 0x12345, random12: 0xabc)
        #expect(s == vectorStamp)
        #expect(HeaderStamp.make(unixSeconds: 0x1_6000_0000, microseconds: 999_999, random12: 0xFFFF)
            == 0x6000_0000_0000_0000 | 999_999 << 12 | 0xFFF)
        #expect(HeaderStamp.frame == 16 << 32)
        #expect(HeaderStamp.jitter == 160_000 << 12)
    }

    @Test func stampNow() {
        let before = UInt64(time(nil))
        let s = HeaderStamp.now(random: FixedRandom([0xff, 0xff]))
        let after = UInt64(time(nil))
        #expect(s & 0xFFF == 0xFFF)
        #expect((s >> 12) & 0xF_FFFF < 1_000_000)
        #expect(s >> 32 >= before & 0xFFFF_FFFF && s >> 32 <= after & 0xFFFF_FFFF)
        let z = HeaderStamp.now(random: FixedRandom([0x00, 0xf0]))
        #expect(z & 0xFFF == 0)
    }

    @Test func window() {
        let now = HeaderStamp.make(unixSeconds: 1_700_000_000, microseconds: 500_000, random12: 0x123)
        let frame = UInt64(HeaderStamp.frame)
        var none: UInt64? = nil
        #expect(HeaderStamp.verify(now, now: now, previous: &none))
        #expect(HeaderStamp.verify(now + frame - 1, now: now, previous: &none))
        #expect(HeaderStamp.verify(now - frame + 1, now: now, previous: &none))
        #expect(!HeaderStamp.verify(now + frame, now: now, previous: &none))
        #expect(!HeaderStamp.verify(now - frame, now: now, previous: &none))
        #expect(!HeaderStamp.verify(0, now: now, previous: &none))
        #expect(!HeaderStamp.verify(UInt64.max, now: now, previous: &none))
        #expect(!HeaderStamp.verify(now ^ 0x8000_0000_0000_0000, now: now, previous: &none))
        #expect(none == nil)
        #expect(throws: HeaderCryptoError.stampOutsideWindow(stamp: now + frame, now: now)) {
            try HeaderStamp.check(now + frame, now: now, previous: &none)
        }
    }

    @Test func replayAndJitter() {
        let now = HeaderStamp.make(unixSeconds: 1_700_000_000, microseconds: 0, random12: 0)
        let jitter = UInt64(HeaderStamp.jitter)
        var prev: UInt64? = HeaderStamp.initialPrevious(now: now)
        #expect(prev == now - UInt64(HeaderStamp.frame))

        let s1 = now + 1000 << 12
        #expect(HeaderStamp.verify(s1, now: now, previous: &prev))
        #expect(prev == s1)
        // Same stamp again: within the jitter allowance, accepted (n2n does the same).
        #expect(HeaderStamp.verify(s1, now: now, previous: &prev))
        // Up to 160 ms older than the newest: accepted, newest unchanged.
        #expect(HeaderStamp.verify(s1 - jitter + 1, now: now, previous: &prev))
        #expect(prev == s1)
        // Exactly 160 ms older or more: a replay.
        #expect(!HeaderStamp.verify(s1 - jitter, now: now, previous: &prev))
        #expect(!HeaderStamp.verify(s1 - 2 * jitter, now: now, previous: &prev))
        #expect(prev == s1)
        #expect(throws: HeaderCryptoError.replayed(stamp: s1 - jitter, previous: s1)) {
            try HeaderStamp.check(s1 - jitter, now: now, previous: &prev)
        }
        // Newer stamps advance it.
        let s2 = s1 + 5
        #expect(HeaderStamp.verify(s2, now: now, previous: &prev))
        #expect(prev == s2)
        // A stamp outside the window never updates prev, even if it is newer.
        #expect(!HeaderStamp.verify(now + UInt64(HeaderStamp.frame), now: now, previous: &prev))
        #expect(prev == s2)
    }

    // MARK: plain-header test (spec 4.7)

    @Test func plainTest() {
        for plain in [registerSuper, packetHeader,
                      hex("02 01 00 63 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00"),
                      hex("02 02 00 0a 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00")] {
            #expect(looksPlain(plain))
        }
        #expect(!looksPlain(registerSuperWire))
        #expect(!looksPlain(packetWire))
        func variant(_ index: Int, _ value: UInt8) -> [UInt8] {
            var p = registerSuper
            p[index] = value
            return p
        }
        #expect(!looksPlain(variant(19, 0x41)))  // community not terminated
        #expect(!looksPlain(variant(0, 0x03)))  // version
        #expect(!looksPlain(variant(3, 0x0b)))  // packet code 11
        #expect(!looksPlain(variant(3, 0x1f)))
        #expect(!looksPlain(variant(3, 0x85)))  // OPTIONS flag
        #expect(!looksPlain(variant(2, 0x01)))  // high flag bits
        #expect(looksPlain(variant(3, 0x6a)))  // SOCKET|FROM_SUPERNODE, code 10
        #expect(!looksPlain(Array(registerSuper[..<19])))
        #expect(!looksPlain([]))
    }

    // MARK: real capture

    @Test func decryptsCapturedRegisterSuper() throws {
        let frames = try Pcap.udpDatagrams("h-a1-header-enc.pcap")
        var datagram = try #require(frames.first { $0.frameNumber == 3 }).payload
        #expect(datagram.count == 34)
        #expect(!looksPlain(datagram))
        let cipher = HeaderCipher(community: Community("bench"))
        #expect(matches(cipher, datagram))
        #expect(!matches(HeaderCipher(community: mynet), datagram))
        let result = try decrypted(cipher, &datagram)
        #expect(result.headerLength == 34)
        #expect(datagram[0] == 2)  // version
        #expect(datagram[3] & 0x1F == 5)  // REGISTER_SUPER
        #expect(Array(datagram[4..<20]) == Array("bench".utf8) + [UInt8](repeating: 0, count: 11))
        #expect(Array(datagram[24..<30]) == [0x02, 0x00, 0x00, 0x00, 0xfa, 0x01])
        #expect(looksPlain(datagram))
    }
}

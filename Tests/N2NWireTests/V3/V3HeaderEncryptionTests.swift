import Testing
@testable import N2NWire

/// v3 spec 5.2 (keys) and 5.9 (three encrypted datagrams), plus the receiver's rules.
@Suite struct V3HeaderEncryptionTests {
    static let registerSuperWire = hex("""
        ef cc fa c2 1a 03 46 93 86 c2 a7 e9 d1 2f 86 ce 9e 3e 9b 47 2c 97 a5 1c 28 9e f4 81 3a 1a c3 29
        2d 79 9b 08 b6 43 a3 6e 32 14 51 c5 95 f5 eb c9 ef e6 ac e0 7b 27 81 be a8 d2 a3 24 bd a9 3e 1a
        27 4e 2a 3a 11 e4 84 f8 d2 61 43 26 d5 57 3c
        """)
    static let packetWire = hex("""
        fe 7c 02 35 9a 67 f8 52 b3 35 cb 62 e5 3c aa b2 96 b0 1e 1e ce 53 5d de 0b 8e d0 ff 38 1a 96 cb
        e3 f4 63 65 31 b0 66 94 83 26 92 fa f3 d8 c6 62 40 26 5e b1 ff d2 a9 a4 fb a6 db 40 37 9e 1c f4
        73 67 be a9 d8 77 74 bf e1 c6 c2 17 e7 06 2a 63 57 44 27 3f 97 d0 1c a0 4d 07 87 88 6d 87 1c 19
        ae cd 79 1f fe d9 61 ea d8 b0 3a b5 80 b3 c2 dc 24 2c
        """)
    static let queryPeerWire = hex("""
        51 44 2c 1d 96 c2 53 3a 39 62 36 d7 9d cb 32 6f b1 bf 30 f8 5d c5 1e 29 ed a2 9a 8b a9 66 0c 86
        46 7a cc 5d 79 23
        """)
    static let dynamicKh = hex("e9ddab62269d931195fa3cadd8426c1d")

    static func plain(_ name: String) -> [UInt8] { hex(v3SpecVectors.first { $0.name == name }!.bytes) }

    @Test func keys() {
        let mynet = V3HeaderKeys(community: V3Example.community)
        #expect(hexString(mynet.headerKey) == "55f74b238294a11983e94bbc6d53ece8")
        #expect(hexString(mynet.ivKey) == "249039ce64d369037bf5b655b726274d")
        let fed = V3HeaderKeys(community: V3Example.federation)
        #expect(hexString(fed.headerKey) == "b3473ec4c746111bc4ed05335f70d5f0")
        #expect(hexString(fed.ivKey) == "de2da565d45aea249b5fcc8f42f8128a")
        let dynamic = V3HeaderKeys(community: V3Example.community, headerKey: Self.dynamicKh)
        #expect(hexString(dynamic.ivKey) == "fd60e73ec87d7be6cb5208df690dc23f")
    }

    @Test func registerSuperChecksum() {
        #expect(PearsonB.hash64(Self.plain("REGISTER_SUPER")) == 0xa3a9_875d_c95b_238a)
    }

    static func encrypted(_ plain: [UInt8], keys: V3HeaderKeys, headerLength: Int, stamp: UInt64, random: String) throws -> [UInt8] {
        var bytes = plain
        try bytes.withUnsafeMutableBytes { buf in
            try V3HeaderCipher(keys: keys).encrypt(buf, headerLength: headerLength, stamp: stamp, random: FixedRandom(hex(random)))
        }
        return bytes
    }

    static func decrypted(_ wire: [UInt8], keys: V3HeaderKeys) throws -> (bytes: [UInt8], stamp: UInt64, headerLength: Int) {
        var bytes = wire
        let (stamp, h) = try bytes.withUnsafeMutableBytes { try V3HeaderCipher(keys: keys).decrypt($0) }
        return (bytes, stamp, h)
    }

    @Test func registerSuperVector() throws {
        let keys = V3HeaderKeys(community: V3Example.community)
        let plain = Self.plain("REGISTER_SUPER")
        let wire = try Self.encrypted(plain, keys: keys, headerLength: 79, stamp: 0x62a3_b4c5_0a2b_3c40, random: "a13a2077")
        #expect(hexString(wire) == hexString(Self.registerSuperWire))
        let back = try Self.decrypted(Self.registerSuperWire, keys: keys)
        #expect(back.bytes == plain)
        #expect(back.stamp == 0x62a3_b4c5_0a2b_3c40)
        #expect(back.headerLength == 79)
    }

    @Test func packetVector() throws {
        let keys = V3HeaderKeys(community: V3Example.community)
        let plain = Self.plain("PACKET header") + Self.packetWire[38...]
        #expect(PearsonB.hash64(plain) == 0xb724_250b_fd8d_d502)
        let wire = try Self.encrypted(plain, keys: keys, headerLength: 38, stamp: 0x62a3_b4c5_0a2b_3c50, random: "9d569046")
        #expect(hexString(wire) == hexString(Self.packetWire))
        let back = try Self.decrypted(Self.packetWire, keys: keys)
        #expect(back.bytes == plain)
        #expect(back.stamp == 0x62a3_b4c5_0a2b_3c50)
        #expect(back.headerLength == 38)
    }

    @Test func queryPeerWithDynamicKeys() throws {
        let keys = V3HeaderKeys(community: V3Example.community, headerKey: Self.dynamicKh)
        let plain = Self.plain("QUERY_PEER")
        let wire = try Self.encrypted(plain, keys: keys, headerLength: 38, stamp: 0x62a3_b4c5_0a2b_3c60, random: "d44db7e9")
        #expect(hexString(wire) == hexString(Self.queryPeerWire))
        // The static keys do not open it, and leave it untouched for the next attempt.
        var bytes = Self.queryPeerWire
        let staticCipher = V3HeaderCipher(community: V3Example.community)
        #expect(throws: HeaderCryptoError.self) { _ = try bytes.withUnsafeMutableBytes { try staticCipher.decrypt($0) } }
        #expect(bytes == Self.queryPeerWire)
        #expect(try Self.decrypted(bytes, keys: keys).bytes == plain)
    }

    @Test func failedChecksumLeavesThePacketAsItArrived() throws {
        let keys = V3HeaderKeys(community: V3Example.community)
        var bytes = Self.packetWire
        bytes[100] ^= 0x01  // payload: covered by the checksum, not encrypted
        let corrupted = bytes
        do {
            _ = try bytes.withUnsafeMutableBytes { try V3HeaderCipher(keys: keys).decrypt($0) }
            Issue.record("accepted a corrupted payload")
        } catch let error as HeaderCryptoError {
            guard case .badChecksum = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.counterName == "header_bad_checksum")
        }
        #expect(bytes == corrupted)
    }

    @Test func everyBitFlipIsRejectedOrRestored() throws {
        let keys = V3HeaderKeys(community: V3Example.community)
        let cipher = V3HeaderCipher(keys: keys)
        let wire = Self.registerSuperWire
        for bit in 0..<(wire.count * 8) {
            var bytes = wire
            bytes[bit / 8] ^= 1 << (bit % 8)
            let flipped = bytes
            let result = Result { try bytes.withUnsafeMutableBytes { try cipher.decrypt($0) } }
            if case .success = result { Issue.record("bit \(bit) accepted") } else { #expect(bytes == flipped) }
        }
        for n in 0..<wire.count {
            var bytes = Array(wire[..<n])
            #expect(throws: HeaderCryptoError.self) { _ = try bytes.withUnsafeMutableBytes { try cipher.decrypt($0) } }
        }
    }

    @Test func headerLengthOutside24ToNIsRefusedWhenEncrypting() {
        var bytes = Self.plain("QUERY_PEER")
        let cipher = V3HeaderCipher(community: V3Example.community)
        for h in [0, 16, 23, 39] {
            _ = bytes.withUnsafeMutableBytes { buf in
                #expect(throws: HeaderCryptoError.invalidHeaderLength(h, packetLength: 38)) {
                    try cipher.encrypt(buf, headerLength: h, stamp: 0, random: FixedRandom([0]))
                }
            }
        }
    }

    @Test func plainTest() {
        for v in v3SpecVectors {
            let bytes = hex(v.bytes)
            let plain = bytes.withUnsafeBytes { v3HeaderLooksPlain($0) }
            // RE_REGISTER_SUPER (12) is never received by a supernode; everything else is plain.
            #expect(plain == (v.header.code != .reRegisterSuper), "\(v.name)")
        }
        #expect(!Self.registerSuperWire.withUnsafeBytes { v3HeaderLooksPlain($0) })
    }
}

/// v3 spec 5.3: stamps and the replay slots.
@Suite struct V3StampTests {
    @Test func counterWithinOneMicrosecond() {
        var generator = V3StampGenerator()
        let stamps = (0..<3).map { _ in generator.next(unixSeconds: 0x6b17_34e9, microseconds: 0x90bb5) }
        #expect(stamps == [0x6b17_34e9_90bb_5000, 0x6b17_34e9_90bb_5010, 0x6b17_34e9_90bb_5020])
        #expect(generator.next(unixSeconds: 0x6b17_34e9, microseconds: 0x90bb6) == 0x6b17_34e9_90bb_6000)
    }

    @Test func counterOverflowSwitchesToCounterOnly() {
        var generator = V3StampGenerator()
        var last: UInt64 = 0
        for _ in 0..<257 { last = generator.next(unixSeconds: 100, microseconds: 5) }
        #expect(generator.counterOnly)
        #expect(last & 1 == 1)
        #expect(last >> 32 == 100)
        let next = generator.next(unixSeconds: 100, microseconds: 9)
        #expect(next == last + 0x10)
        #expect(generator.next(unixSeconds: 101, microseconds: 0) == 101 << 32 | 1)
    }

    @Test func windowAndSlots() throws {
        let now = V3Stamp.now(unixSeconds: 1000, microseconds: 0)
        var slot = ReplayGuard(now: now)
        func seal(_ s: UInt64, _ f: UInt64) -> HeaderSeal { HeaderSeal(stamp: s, fingerprint: f) }
        // ±16 s window.
        #expect(throws: HeaderCryptoError.self) { try V3Stamp.check(seal(now + (16 << 32), 1), now: now, slot: &slot, allowJitter: true) }
        #expect(throws: HeaderCryptoError.self) { try V3Stamp.check(seal(now - (16 << 32), 1), now: now, slot: &slot, allowJitter: true) }
        try V3Stamp.check(seal(now, 3), now: now, slot: &slot, allowJitter: false)
        // Without jitter an equal or older stamp is a replay.
        #expect(throws: HeaderCryptoError.self) { try V3Stamp.check(seal(now, 5), now: now, slot: &slot, allowJitter: false) }
        // With jitter 160 ms of re-ordering passes, more does not.
        try V3Stamp.check(seal(now - 0x2700_0000, 7), now: now, slot: &slot, allowJitter: true)
        #expect(throws: HeaderCryptoError.self) { try V3Stamp.check(seal(now - 0x2710_0000, 9), now: now, slot: &slot, allowJitter: true) }
        // Counter-only stamps get 256 times the jitter.
        try V3Stamp.check(seal((now - (15 << 32)) | 1, 11), now: now, slot: &slot, allowJitter: true)
        #expect(V3Stamp.jitter(for: 1, allowJitter: true) == HeaderStamp.jitter << 8)
        #expect(V3Stamp.jitter(for: 0, allowJitter: false) == 0)
    }
}

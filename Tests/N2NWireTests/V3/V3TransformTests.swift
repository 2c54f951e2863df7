import Testing
@testable import N2NWire

/// v3 spec 3.7 (every transform of the 60-byte frame, CTS and AES tiers), the stock
/// `tests-transform` output, spec 3.5's ChaCha20 counter wrap and spec 4.3's compression vectors.
@Suite struct V3TransformTests {
    static let frame = TransformTestSupport.specFrame
    static let mysecret = Array("mysecret".utf8)
    static let aes192Pass = [UInt8](repeating: UInt8(ascii: "a"), count: 23)
    static let aes256Pass = [UInt8](repeating: UInt8(ascii: "b"), count: 33)
    static let stockPass = Array("SoMEVer!S$cUREPassWORD".utf8)
    static let pattern512 = V3HashingTests.pattern512

    static func make(_ id: TransformID, _ pass: [UInt8], random: String) throws -> any PayloadTransform {
        try id.makeV3Transform(passphrase: pass, random: FixedRandom(hex(random)))
    }

    static func check(_ id: TransformID, _ pass: [UInt8], random: String, input: [UInt8], expected: String) throws {
        let t = try make(id, pass, random: random)
        let payload = try TransformTestSupport.encode(t, input)
        #expect(hexString(payload) == hexString(hex(expected)), "\(id)")
        #expect(try TransformTestSupport.decode(t, hex(expected)) == input, "\(id)")
    }

    @Test func keys() {
        #expect(hexString(V3AESKey.key(passphrase: Self.mysecret)) == "c4a7225a548e5dce1336c0494f0e7937")
        #expect(hexString(V3AESKey.key(passphrase: Self.aes192Pass)) == "a9b5f4a2974caea4be545f740e8a76773fc1781b9bea1c70")
        #expect(hexString(V3AESKey.key(passphrase: Self.aes256Pass)) == "0c46777cbf2002faa2b4d7ee082da6e096e9c260bd459488abfc8d2893a59c12")
        #expect(hexString(V3AESKey.key(passphrase: Self.stockPass)) == "e3b2bd6168e2c00e19af107710cfc2a9")
    }

    @Test func twofish() throws {
        try Self.check(.twofish, Self.mysecret, random: "bd2901eeee61ddc7f1d745cc513655ff", input: Self.frame, expected: """
            e6 94 ed 4a ee 70 0a 3c d5 b0 ba 0f e7 95 c5 2a 58 05 91 7b 9b b3 8c 9d 51 73 5c fa 94 f5 09 fc
            9d 34 86 ce 8f bd 12 4c 82 c1 01 ca a1 47 f2 60 f0 57 a7 e4 f4 08 e8 9e 82 bc d4 d0 ab ff 45 eb
            b8 66 51 ea ba 07 82 e9 9a 62 30 61
            """)
        try Self.check(.twofish, Self.mysecret, random: "3d455c6129d2fa4f61467f93738063f7", input: Self.frame + [0x3c], expected: """
            47 1d e7 68 22 42 31 4c e6 bc 17 21 fd e2 10 ad 4f 9a 91 60 04 14 02 06 b5 62 35 9e 43 d6 eb a2
            42 5b ee 4f b6 69 17 92 52 31 da 4b 58 39 54 0d 55 ed 64 c8 e2 14 05 72 6b fd e7 06 67 1a 16 f2
            65 f3 ec c0 2d ee 71 65 8b 56 b2 b1 75
            """)
    }

    @Test func aesTiers() throws {
        try Self.check(.aesCBC, Self.mysecret, random: "f273c1146cdf4e12d67b2f27568ded74", input: Self.frame, expected: """
            64 98 cf 04 f0 59 ad a6 e1 e7 28 30 39 73 0d 4e a1 0b f4 fe 37 e9 02 da 47 ed fc 57 95 68 49 99
            f7 62 21 7d 45 24 3f 3c 33 0e db d1 3c 1f e8 a0 72 08 63 96 a9 b8 dc d2 79 60 01 13 04 cb 78 0a
            2c f2 7a 91 5c c0 9d 28 e7 01 79 11
            """)
        try Self.check(.aesCBC, Self.aes192Pass, random: "8edcfbdf4cbe15b08c70a2811b05b427", input: Self.frame, expected: """
            be 6e c5 86 5b 73 5e 3a f4 1e 46 d7 98 5c 7d 1c 5c 1d d2 6a 33 91 9d c3 fc 62 02 fc 74 04 9f 2f
            73 db 60 fd 84 07 55 c5 f7 8c 65 6b c3 28 73 9f df 62 5b b4 19 a9 5b a5 52 3b 1b 25 2e e0 e0 5d
            bb fd d1 25 18 c9 6e 83 05 24 35 9b
            """)
        try Self.check(.aesCBC, Self.aes256Pass, random: "2cf215ec18373316dfd40ef8d37e4762", input: Self.frame, expected: """
            57 8c 95 bc 1a 52 0e d5 9c 11 1f 33 6e e1 c2 76 ac cf 1a 1b 2a 61 3a 46 53 c6 52 3a e1 dc ee a5
            d6 39 8a 9a 60 56 d3 07 bc 28 33 01 61 b7 a4 d3 3f 1a 17 56 81 92 f4 10 77 79 c3 b7 21 dd 31 b1
            29 1f d3 96 74 fa 94 99 82 87 49 fa
            """)
    }

    @Test func streamCiphers() throws {
        let chacha = """
            bd 0f 25 4e 65 bc cd c8 72 71 42 88 b9 45 3a 84 27 2b d4 ba 1f dd a9 44 53 2e 72 32 44 07 66 8f
            8c d6 2a 05 fc b4 75 c2 3e 4b 59 2b c3 b6 b4 cb 3c 30 a1 29 92 c3 56 2b 4b 7b 61 08 68 52 d9 3c
            09 18 c1 0f b0 d7 5f 26 f8 26 6c d7
            """
        try Self.check(.chacha20, Self.mysecret, random: String(chacha.filter(\.isHexDigit).prefix(32)), input: Self.frame, expected: chacha)
        let speck = """
            0d 0c ea 90 21 ac c6 e1 d3 f9 5e 5d 79 f7 ab 88 71 76 5a dc bf fc 34 65 b8 e1 3a 58 61 76 fb 0e
            6a b3 aa 6f a2 68 79 6c 67 72 0b 41 43 37 5d 31 f7 45 4a 3e 4f 1f 46 c4 c0 bc 74 7b 9f 8b b2 28
            83 9b 26 d8 9f c4 d1 ef b6 4a b8 ac
            """
        try Self.check(.speckCTR, Self.mysecret, random: String(speck.filter(\.isHexDigit).prefix(32)), input: Self.frame, expected: speck)
    }

    /// The stock test program draws every random block from one unseeded generator, in this order.
    @Test func stockTestsTransform() throws {
        let random = StockRandom()
        let header = V3CommonHeader(code: .packet, community: V3Community("abc123def456"))
        let mac = MACAddress(0, 1, 2, 3, 4, 5)
        let packet = try V3Codec.encode(header, .packet(V3PacketHeader(srcMac: mac, dstMac: mac, compression: 0, transform: 0)))
        for (id, output) in [(TransformID.null, V3StockTransformOutput.null), (.twofish, V3StockTransformOutput.twofish),
                             (.aesCBC, V3StockTransformOutput.aes), (.chacha20, V3StockTransformOutput.chacha20),
                             (.speckCTR, V3StockTransformOutput.speck)] {
            let t = try id.makeV3Transform(passphrase: Self.stockPass, random: random)
            let expected = hex(output)
            #expect(Array(expected[..<38]) == packet)
            let payload = try TransformTestSupport.encode(t, Self.pattern512)
            #expect(hexString(payload) == hexString(expected[38...]), "\(id)")
            #expect(try TransformTestSupport.decode(t, Array(expected[38...])) == Self.pattern512, "\(id)")
        }
    }

    @Test func stockRandomFirstOutputs() {
        let r = StockRandom()
        #expect([r.next(), r.next(), r.next(), r.next()] == [0xbd29_01ee_ee61_ddc7, 0xf1d7_45cc_5136_55ff, 0x3d45_5c61_29d2_fa4f, 0x6146_7f93_7380_63f7])
    }

    /// Spec 3.5: word 12 wraps without carry into word 13 (the default stock build).
    @Test func chacha20CounterWrapsWithoutCarry() throws {
        let iv = "ffffffff00000000a0a1a2a3a4a5a6a7"
        let keystream = try chachaKeystream(key: Array(0...31), iv: hex(iv), count: 80)
        #expect(hexString(keystream[0..<16]) == "aa07a6552d0b049adaacee7d2487a4bd")
        #expect(hexString(keystream[64..<80]) == "90c4cc13231191f309002be41184b8bc")
    }

    /// The keystream of transform 4 under a raw 32-byte key: ChaCha20 of zeros.
    private func chachaKeystream(key: [UInt8], iv: [UInt8], count: Int) throws -> [UInt8] {
        let t = try V3ChaCha20Transform(rawKey: key, random: FixedRandom(iv))
        let out = try TransformTestSupport.encode(t, [UInt8](repeating: 0, count: count))
        return Array(out[16...])
    }

    @Test(arguments: TransformID.allCases)
    func roundTripsEveryLengthAndRejectsTruncation(_ id: TransformID) throws {
        var rng = TransformTestSupport.SeededGenerator(seed: UInt64(id.rawValue))
        let t = try id.makeV3Transform(passphrase: Self.mysecret, random: FixedRandom(rng.bytes(64)))
        for length in [0, 1, 14, 15, 16, 17, 31, 32, 33, 60, 61, 1290, 1500, 2048] {
            let frame = rng.bytes(length)
            let payload = try TransformTestSupport.encode(t, frame)
            #expect(payload.count == t.maxEncodedLength(plaintextLength: length))
            #expect(try TransformTestSupport.decode(t, payload) == frame, "\(id) \(length)")
        }
        if id != .null {
            for n in 0..<16 {
                #expect(throws: TransformError.self) { _ = try TransformTestSupport.decode(t, rng.bytes(n)) }
            }
        }
    }

    /// CTS rebuilds the stolen block from the decrypted last block, so the zero padding always comes
    /// back as zeros: the check can never fire and a flipped bit always decodes (CBC has no
    /// integrity, spec 13.3 item 12), to a frame of the same length.
    @Test func ctsHasNoIntegrity() throws {
        for id in [TransformID.twofish, .aesCBC] {
            let t = try Self.make(id, Self.mysecret, random: "00112233445566778899aabbccddeeff")
            let payload = try TransformTestSupport.encode(t, Self.frame)
            for bit in 0..<(payload.count * 8) {
                var bytes = payload
                bytes[bit / 8] ^= 1 << (bit % 8)
                let frame = try TransformTestSupport.decode(t, bytes)
                #expect(frame.count == Self.frame.count)
                #expect(frame != Self.frame, "\(id) bit \(bit)")
            }
        }
    }

    @Test func outputsNeverOverflow() throws {
        for id in TransformID.allCases {
            let t = try id.makeV3Transform(passphrase: Self.mysecret, random: FixedRandom([7]))
            let payload = try TransformTestSupport.encode(t, Self.frame)
            let (result, intact, _) = TransformTestSupport.withGuardedBuffer(capacity: 59) { out in
                Result { try payload.withUnsafeBytes { try t.decode($0, into: out) } }
            }
            #expect(intact)
            if case .success = result { Issue.record("\(id) decoded 60 bytes into 59") }
        }
    }

    @Test func compressionBytes() throws {
        #expect(CompressionID(v3Byte: 0) == nil)
        #expect(CompressionID(v3Byte: 1) == CompressionID.none)
        #expect(CompressionID(v3Byte: 2) == .lzo)
        #expect(CompressionID(v3Byte: 3) == .zstd)
        #expect(CompressionID(v3Byte: 4) == nil)
        #expect(CompressionID.allCases.map(\.v3Byte) == [1, 2, 3])
        let compressor = Compressor()
        for (id, output) in [(CompressionID.lzo, V3StockTransformOutput.lzo), (.zstd, V3StockTransformOutput.zstd)] {
            let stream = Array(hex(output)[38...])
            var out = [UInt8](repeating: 0, count: 2048)
            let n = try stream.withUnsafeBytes { s in try out.withUnsafeMutableBytes { try compressor.decompress(s, into: $0, id: id.rawValue) } }
            #expect(Array(out[..<n]) == Self.pattern512)
        }
        // The LZO stream is spec 4.3's, and ours is the same bytes (LZO1X-1 is deterministic).
        let lzo = hex(V3StockTransformOutput.lzo)[38...]
        #expect(hexString(lzo) == hexString(hex("""
            0d 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 20 00 bc 3c 00 00 02 0c 0d 0e 0f 00 01 02 03
            04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 11 00 00
            """)))
        var out = [UInt8](repeating: 0, count: 2048)
        let n = Self.pattern512.withUnsafeBytes { s in out.withUnsafeMutableBytes { compressor.compress(s, into: $0, using: .lzo) } }
        #expect(n.map { hexString(out[..<$0]) } == hexString(lzo))
    }
}

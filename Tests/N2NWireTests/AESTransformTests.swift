import Testing

@testable import N2NWire

private typealias T = TransformTestSupport

/// The spec 2.9 input frame: B ← A, ethertype 0x0806, then bytes 0x0e…0x3b.

@Suite struct AESTransformTests {
    struct KeyVector: Sendable, CustomTestStringConvertible {
        var passphrase: [UInt8]
        var cipherKey: String
        var ivKey: String
        var ivPad: String
        var testDescription: String { "\(passphrase.count)-byte passphrase" }
    }

    static let keyVectors: [KeyVector] = [
        KeyVector(
            passphrase: Array("mysecret".utf8), cipherKey: "652c7dc687d98c9889304ed2e408c74b",
            ivKey: "611e86a40caa51c4b43f1dd5913c5cd0", ivPad: "eb1dd79a77f81fdf"),
        KeyVector(
            passphrase: Array(repeating: UInt8(ascii: "a"), count: 44),
            cipherKey: "1dff0a3a0e3d523952cf52b61259cc91477f3b01c00031c9",
            ivKey: "124262d768b3d65163927b27e0a6e893", ivPad: "605c5dc619eb65c7"),
        KeyVector(
            passphrase: Array(repeating: UInt8(ascii: "b"), count: 65),
            cipherKey: "c8546d0d6496f359bbbc255134c9d8f3af56bbbb2c9fa1547d686205279842c7",
            ivKey: "b28d3cbfb759ffee295e4a0e795b28a0", ivPad: "7ecdbbf7816bfe4d"),
    ]

    @Test("spec 2.5 key derivation vectors", arguments: keyVectors)
    func keyDerivation(_ vector: KeyVector) {
        let keys = AESTransform.Keys(passphrase: vector.passphrase)
        #expect(T.hex(keys.cipherKey) == vector.cipherKey)
        #expect(T.hex(keys.ivKey) == vector.ivKey)
        #expect(T.hex(keys.ivPad) == vector.ivPad)
    }

    @Test("key size switches at passphrase lengths 44 and 65", arguments: [
        (0, 16), (1, 16), (43, 16), (44, 24), (64, 24), (65, 32), (200, 32),
    ])
    func keyTiers(length: Int, keyBytes: Int) {
        let keys = AESTransform.Keys(passphrase: Array(repeating: 0x41, count: length))
        #expect(keys.cipherKey.count == keyBytes)
        #expect(keys.ivKey.count == 16)
        #expect(keys.ivPad.count == 8)
    }

    @Test("spec 2.9 AES-128 payload vector, seed 01…08")
    func payloadVector() throws {
        let expected = hex(
            """
            01 01 02 03 04 05 06 07 08 55 8b d3 0e 49 8e 32
            72 bc 1d 16 db 58 62 a0 bc d2 3e 08 ee 5b 59 cb
            91 21 d8 5b eb 82 aa 90 ef 1c a6 dc 7a 46 96 31
            03 89 cb 8a 4e 27 ba 4a 14 88 83 11 33 b1 21 43
            70 3b a6 61 a2 8d 71 58 b6
            """)
        let aes = try AESTransform(passphrase: Array("mysecret".utf8), random: FixedRandom(Array(1...8)))
        #expect(aes.id == .aesCBC)
        var output = [UInt8](repeating: 0, count: 128)
        // Twice: the second packet must not inherit CBC state from the first.
        for _ in 0..<2 {
            let n = try T.specFrame.withUnsafeBytes { p in
                try output.withUnsafeMutableBytes { o in try aes.encode(p, into: o) }
            }
            #expect(n == 73)
            #expect(T.hex(output[..<n]) == T.hex(expected))
        }
        var decoded = [UInt8](repeating: 0, count: 64)
        let m = try expected.withUnsafeBytes { p in try decoded.withUnsafeMutableBytes { o in try aes.decode(p, into: o) } }
        #expect(Array(decoded[..<m]) == T.specFrame)
    }

    @Test("round trip for every frame length 0…1600", arguments: [8, 44, 65])
    func roundTrip(passphraseLength: Int) throws {
        let random = SystemRandom()
        let aes = try AESTransform(passphrase: Array(repeating: 0x37, count: passphraseLength), random: random)
        var generator = T.SeededGenerator(seed: UInt64(passphraseLength))
        let source = generator.bytes(1600)
        var wire = [UInt8](repeating: 0, count: 2048)
        for length in 0...1600 {
            let encoded = try source.withUnsafeBytes { p in
                try wire.withUnsafeMutableBytes { o in
                    try aes.encode(UnsafeRawBufferPointer(rebasing: p[0..<length]), into: o)
                }
            }
            #expect(encoded == 9 + 16 * (length / 16 + 1) && encoded == aes.maxEncodedLength(plaintextLength: length))
            #expect(wire[0] == 1)
            // Decode into a buffer of exactly the plaintext's length, guarded behind.
            let outcome = try wire.withUnsafeBytes { w in
                try T.withGuardedBuffer(capacity: length) { o in
                    try aes.decode(UnsafeRawBufferPointer(rebasing: w[0..<encoded]), into: o)
                }
            }
            #expect(outcome.result == length && outcome.guardIntact)
            #expect(outcome.written == Array(source[0..<length]), "length \(length)")
            if outcome.written != Array(source[0..<length]) { break }
        }
    }

    @Test("the plaintext is padded with zeros and a final pad count")
    func paddingLayout() throws {
        let aes = try AESTransform(passphrase: Array("mysecret".utf8), random: SystemRandom())
        let frame = [UInt8](repeating: 0x11, count: 20)
        let wire = try T.encode(aes, frame)
        #expect(wire.count == 9 + 32)
        // XOR-ing 12 ^ 16 = 0x1c into the previous block's last byte turns the pad count into 16:
        // the decoder then returns exactly the first block, proving the count sat in byte 31.
        var tampered = wire
        tampered[9 + 15] ^= 12 ^ 16
        let decoded = try T.decode(aes, tampered, capacity: 64)
        #expect(decoded.count == 16)
    }

    @Test("malformed payloads are typed errors")
    func malformed() throws {
        let aes = try AESTransform(passphrase: Array("mysecret".utf8), random: SystemRandom())
        let good = try T.encode(aes, [UInt8](repeating: 0x22, count: 20))  // 9 + 32 bytes, pad count 12
        func failure(_ payload: [UInt8]) -> TransformError? { T.decodeError(aes, payload) }
        for short in 0..<9 { #expect(failure(Array(good[..<short])) == .badLength(short)) }
        #expect(failure(Array(good[..<9])) == .badLength(9), "empty ciphertext")
        var badVersion = good
        badVersion[0] = 2
        #expect(failure(badVersion) == .badEncodingVersion(2))
        badVersion[0] = 0
        #expect(failure(badVersion) == .badEncodingVersion(0))
        #expect(failure(Array(good[..<(9 + 15)])) == .badLength(9 + 15))
        #expect(failure(Array(good[..<(9 + 17)])) == .badLength(9 + 17))
        #expect(failure(Array(good.dropLast())) == .badLength(good.count - 1))
        #expect(failure(good + [0]) == .badLength(good.count + 1))
        // CBC malleability sets the last plaintext byte (the pad count, 12) to anything we like.
        for (pad, valid) in [(0, false), (17, false), (255, false), (1, true), (16, true)] {
            var tampered = good
            tampered[9 + 15] ^= 12 ^ UInt8(pad)
            if valid {
                #expect(failure(tampered) == nil, "pad \(pad)")
            } else {
                #expect(failure(tampered) == .badPadding(UInt8(pad)))
            }
        }
    }

    @Test("encode never writes past a short output buffer (spec 10.1 item 5)")
    func encodeBounds() throws {
        let aes = try AESTransform(passphrase: Array("mysecret".utf8), random: SystemRandom())
        for length in [0, 15, 16, 17, 1290] {
            let frame = [UInt8](repeating: 0x33, count: length)
            let needed = aes.maxEncodedLength(plaintextLength: length)
            for capacity in [length + 9, needed - 1] {
                let outcome = frame.withUnsafeBytes { p in
                    T.withGuardedBuffer(capacity: capacity) { o in
                        T.error { () throws(TransformError) -> Int in try aes.encode(p, into: o) }
                    }
                }
                #expect(outcome.result == .outputTooSmall(needed: needed, available: capacity))
                #expect(outcome.guardIntact)
            }
        }
    }

    @Test("decode never writes past the plaintext's real length")
    func decodeBounds() throws {
        let aes = try AESTransform(passphrase: Array("mysecret".utf8), random: SystemRandom())
        let frame = [UInt8](repeating: 0x44, count: 40)  // ciphertext 48 bytes
        let wire = try T.encode(aes, frame)
        for capacity in [0, 31, 39] {
            let outcome = wire.withUnsafeBytes { p in
                T.withGuardedBuffer(capacity: capacity) { o in
                    T.error { () throws(TransformError) -> Int in try aes.decode(p, into: o) }
                }
            }
            #expect(outcome.result != nil)
            #expect(outcome.guardIntact)
        }
    }

    @Test("decodes every AES PACKET of the n2n 2.8 capture (key n2n-test-key)")
    func capture() throws {
        let packets = try T.capturedPackets("a3-aes.pcap")
        let aes = try AESTransform(passphrase: Array("n2n-test-key".utf8), random: SystemRandom())
        #expect(packets.count >= 10)
        for packet in packets {
            #expect(packet.transform.rawValue == TransformField(transform: .aesCBC).rawValue)
            let frame = try T.decode(aes, packet.payload, capacity: 2048)
            #expect(T.frameMatches(frame, packet), "\(T.hex(frame.prefix(14)))")
        }
    }

    @Test("a decoded error never leaves stale state: good packets still decode after bad ones")
    func recoversAfterErrors() throws {
        let aes = try AESTransform(passphrase: Array("mysecret".utf8), random: SystemRandom())
        let frame = Array(0..<100).map { UInt8($0) }
        let wire = try T.encode(aes, frame)
        var bad = wire
        bad[9 + 16 * 5 + 15] ^= 0xFF
        _ = try? T.decode(aes, bad, capacity: 2048)
        #expect(try T.decode(aes, wire, capacity: 2048) == frame)
    }



}

import Testing

@testable import N2NWire

private typealias T = TransformTestSupport

private let mysecretKey = "652c7dc687d98c9889304ed2e408c74b611e86a40caa51c4b43f1dd5913c5cd0"

/// Keystream of the original ChaCha20 written from its definition (state words 12–13 a 64-bit
/// little-endian block counter from IV bytes 0–7, words 14–15 the nonce from IV bytes 8–15), to
/// check OpenSSL's behaviour where its 32-bit counter wraps.
private func referenceKeystream(key: [UInt8], iv: [UInt8], count: Int) -> [UInt8] {
    func word(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    var counter = UInt64(word(iv, 0)) | UInt64(word(iv, 4)) << 32
    let input: [UInt32] =
        [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574] + (0..<8).map { word(key, 4 * $0) }
        + [0, 0, word(iv, 8), word(iv, 12)]
    var stream: [UInt8] = []
    while stream.count < count {
        var x = input
        x[12] = UInt32(truncatingIfNeeded: counter)
        x[13] = UInt32(truncatingIfNeeded: counter >> 32)
        let start = x
        func quarter(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
            x[a] &+= x[b]; x[d] ^= x[a]; x[d] = x[d] << 16 | x[d] >> 16
            x[c] &+= x[d]; x[b] ^= x[c]; x[b] = x[b] << 12 | x[b] >> 20
            x[a] &+= x[b]; x[d] ^= x[a]; x[d] = x[d] << 8 | x[d] >> 24
            x[c] &+= x[d]; x[b] ^= x[c]; x[b] = x[b] << 7 | x[b] >> 25
        }
        for _ in 0..<10 {
            quarter(0, 4, 8, 12); quarter(1, 5, 9, 13); quarter(2, 6, 10, 14); quarter(3, 7, 11, 15)
            quarter(0, 5, 10, 15); quarter(1, 6, 11, 12); quarter(2, 7, 8, 13); quarter(3, 4, 9, 14)
        }
        for i in 0..<16 {
            let v = x[i] &+ start[i]
            stream += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8),
                UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 24)]
        }
        counter &+= 1
    }
    return Array(stream[..<count])
}

@Suite struct ChaCha20TransformTests {
    @Test("spec 2.6 key: SHA-256 of the passphrase")
    func key() {
        #expect(T.hex(Digest.sha256(Array("mysecret".utf8))) == mysecretKey)
    }

    @Test("spec 2.9 ChaCha20 payload vector, IV 00…0f")
    func payloadVector() throws {
        let expected = hex(
            """
            01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e
            0f 91 14 ca 7e 59 7b 1c 6d 5e 6c 11 1b 13 02 67
            fc 1c 56 e6 e6 02 b5 a7 6f 78 ae fe df 7f 7f 39
            5f 58 1a 25 5d ad ab 69 5e 43 38 bc 62 6b a7 50
            91 ab f6 15 67 21 20 51 98 e2 9a ba 3e
            """)
        let chacha = try ChaCha20Transform(passphrase: Array("mysecret".utf8), random: FixedRandom(Array(0...15)))
        #expect(chacha.id == .chacha20)
        // An odd-length packet first: a kept partial keystream block must not leak into the next packet.
        _ = try T.encode(chacha, [UInt8](repeating: 0, count: 37))
        #expect(try T.encode(chacha, T.specFrame) == expected)
        #expect(try T.decode(chacha, expected) == T.specFrame)
    }

    @Test("spec 2.6 overflow vector: the block counter carries from word 12 into word 13")
    func overflowVector() throws {
        let iv = hex("ffffffff00000000a0a1a2a3a4a5a6a7")
        let stream = try keystream(iv: iv, count: 128)
        #expect(T.hex(stream[0..<16]) == "14bd1739a2346787c7ab3e6cdfac0659")
        #expect(T.hex(stream[64..<80]) == "8ced71e0f3c751a03396d56b471592a0")
        let next = try keystream(iv: hex("0000000001000000a0a1a2a3a4a5a6a7"), count: 64)
        #expect(Array(stream[64..<128]) == next)
    }

    @Test("agrees with a reference 64-bit-counter ChaCha20 around both counter wraps", arguments: [
        "ffffffff00000000", "f0ffffff00000000", "e9ffffff12345678", "ffffffffffffffff", "e9ffffffffffffff",
        "0000000000000000", "ffffff7f00000000",
    ])
    func matchesReference(counterHex: String) throws {
        let iv = hex(counterHex) + hex("0102030405060708")
        let key = Digest.sha256(Array("mysecret".utf8))
        // 1500 bytes = 23.4 blocks: crosses the wrap inside the packet, ends in a partial block.
        #expect(try keystream(iv: iv, count: 1500) == referenceKeystream(key: key, iv: iv, count: 1500))
    }

    @Test("round trip for every frame length 0…1600")
    func roundTrip() throws {
        let chacha = try ChaCha20Transform(passphrase: Array("round trip".utf8), random: SystemRandom())
        var generator = T.SeededGenerator(seed: 4)
        let source = generator.bytes(1600)
        var wire = [UInt8](repeating: 0, count: 2048)
        for length in 0...1600 {
            let encoded = try source.withUnsafeBytes { p in
                try wire.withUnsafeMutableBytes { o in
                    try chacha.encode(UnsafeRawBufferPointer(rebasing: p[0..<length]), into: o)
                }
            }
            #expect(encoded == 17 + length && encoded == chacha.maxEncodedLength(plaintextLength: length))
            #expect(wire[0] == 1)
            let outcome = try wire.withUnsafeBytes { w in
                try T.withGuardedBuffer(capacity: length) { o in
                    try chacha.decode(UnsafeRawBufferPointer(rebasing: w[0..<encoded]), into: o)
                }
            }
            #expect(outcome.result == length && outcome.guardIntact)
            #expect(outcome.written == Array(source[0..<length]), "length \(length)")
            if outcome.written != Array(source[0..<length]) { break }
        }
    }

    @Test("fresh random IV per packet")
    func freshIV() throws {
        let chacha = try ChaCha20Transform(passphrase: Array("iv".utf8), random: SystemRandom())
        let a = try T.encode(chacha, T.specFrame)
        let b = try T.encode(chacha, T.specFrame)
        #expect(a[1..<17] != b[1..<17])
        #expect(a[17...] != b[17...])
    }

    @Test("malformed payloads are typed errors")
    func malformed() throws {
        let chacha = try ChaCha20Transform(passphrase: Array("mysecret".utf8), random: SystemRandom())
        let good = try T.encode(chacha, T.specFrame)
        for short in 0..<17 { #expect(T.decodeError(chacha, Array(good[..<short])) == .badLength(short)) }
        #expect(T.decodeError(chacha, Array(good[..<17])) == nil, "an empty frame is well formed")
        var bad = good
        bad[0] = 2
        #expect(T.decodeError(chacha, bad) == .badEncodingVersion(2))
        #expect(T.decodeError(chacha, good, capacity: 59) == .outputTooSmall(needed: 60, available: 59))
    }

    @Test("encode never writes past a short output buffer")
    func encodeBounds() throws {
        let chacha = try ChaCha20Transform(passphrase: Array("mysecret".utf8), random: SystemRandom())
        let outcome = T.specFrame.withUnsafeBytes { p in
            T.withGuardedBuffer(capacity: 76) { o in
                T.error { () throws(TransformError) -> Int in try chacha.encode(p, into: o) }
            }
        }
        #expect(outcome.result == .outputTooSmall(needed: 77, available: 76))
        #expect(outcome.guardIntact)
    }

    @Test("decodes every ChaCha20 PACKET of the n2n 2.8 capture (key n2n-test-key)")
    func capture() throws {
        let packets = try T.capturedPackets("a4-chacha20.pcap")
        let chacha = try ChaCha20Transform(passphrase: Array("n2n-test-key".utf8), random: SystemRandom())
        #expect(packets.count >= 10)
        for packet in packets {
            #expect(packet.transform.rawValue == TransformField(transform: .chacha20).rawValue)
            let frame = try T.decode(chacha, packet.payload)
            #expect(T.frameMatches(frame, packet), "\(T.hex(frame.prefix(14)))")
        }
    }

    /// The keystream for `iv`: encrypt zeros with the IV scripted as the packet's random bytes.
    private func keystream(iv: [UInt8], count: Int) throws -> [UInt8] {
        let chacha = try ChaCha20Transform(passphrase: Array("mysecret".utf8), random: FixedRandom(iv))
        let wire = try T.encode(chacha, [UInt8](repeating: 0, count: count))
        #expect(Array(wire[1..<17]) == iv)
        return Array(wire[17...])
    }


}

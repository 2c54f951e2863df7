import Testing
import N2NWire

private typealias T = TransformTestSupport

private let expected69 = hex("""
    01 00 00 00 00 13 58 07 e4 82 af 27 00 b8 aa ba
    09 d3 04 8a 32 a6 67 97 51 cf 83 16 14 d4 48 24
    70 96 15 b7 5a e3 09 67 db 20 d6 81 99 44 61 00
    21 a0 0f f2 78 83 be a8 b3 cc e2 50 dd bb c8 ae
    8d 7e 03 81 61
    """)

private let expected70 = hex("""
    01 00 00 00 00 13 58 07 e4 82 af 27 00 b8 aa ba
    09 d3 04 8a 32 a6 67 97 51 cf 83 16 14 d4 48 24
    70 96 15 b7 5a e3 09 67 db 20 d6 81 99 44 61 00
    21 a0 0f f2 78 17 3d 19 75 ac 72 46 72 5c 72 cc
    5a 4e 1b 86 f3 83
    """)

@Suite struct TwofishTransformTests {
    let passphrase = Array("mysecret".utf8)

    @Test func specVectorFullBlocks() throws {
        let t = TwofishTransform(passphrase: passphrase, random: FixedRandom(hex("d4c3b2a1")))
        #expect(t.id == .twofish)
        let payload = try T.encode(t, T.specFrame)
        #expect(payload == expected69)
        #expect(try T.decode(t, payload) == T.specFrame)
    }

    @Test func specVectorCiphertextStealing() throws {
        let t = TwofishTransform(passphrase: passphrase, random: FixedRandom(hex("d4c3b2a1")))
        let plain = T.specFrame + [0x3c]
        let payload = try T.encode(t, plain)
        #expect(payload == expected70)
        #expect(try T.decode(t, payload) == plain)
    }

    /// Every length 0...1600; nonce ‖ P shorter than a block comes back as 12 zero-padded bytes.
    @Test func roundTripEveryLength() throws {
        let t = TwofishTransform(passphrase: Array("a longer passphrase than thirty-two bytes, truncated".utf8),
                                 random: FixedRandom(Array(0...255)))
        for length in 0...1600 {
            let plain = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ length) }
            let payload = try T.encode(t, plain)
            #expect(payload.count == 5 + max(length + 4, 16))
            #expect(payload.count == t.maxEncodedLength(plaintextLength: length))
            let back = try T.decode(t, payload)
            if length >= 12 {
                #expect(back == plain, "length \(length)")
            } else {
                #expect(back == plain + [UInt8](repeating: 0, count: 12 - length), "length \(length)")
            }
        }
    }

    @Test func shortAndTruncatedPayloadsAreRejected() throws {
        let t = TwofishTransform(passphrase: passphrase, random: FixedRandom([1]))
        for n in 0..<21 {
            let payload = [0x01] + [UInt8](repeating: 0x55, count: max(0, n - 1))
            #expect(throws: TransformError.badLength(n)) { try T.decode(t, Array(payload[..<n])) }
        }
        #expect(throws: TransformError.badEncodingVersion(2)) { try T.decode(t, [0x02] + expected69[1...]) }
        #expect(throws: TransformError.badEncodingVersion(0)) { try T.decode(t, [0x00] + expected69[1...]) }
        #expect(throws: TransformError.outputTooSmall(needed: 60, available: 59)) {
            try T.decode(t, expected69, capacity: 59)
        }
    }

    @Test func encodeChecksOutputSpace() {
        let t = TwofishTransform(passphrase: passphrase, random: FixedRandom([1]))
        var out = [UInt8](repeating: 0, count: 68)
        #expect(throws: TransformError.outputTooSmall(needed: 69, available: 68)) {
            try T.specFrame.withUnsafeBytes { p in try out.withUnsafeMutableBytes { try t.encode(p, into: $0) } }
        }
    }

    /// Garbage of every length decodes to something or throws, and never writes beyond the
    /// frame length it reports.
    @Test func garbageNeverTraps() throws {
        let t = TwofishTransform(passphrase: passphrase, random: FixedRandom([1]))
        var g: UInt32 = 7
        for n in 0...300 {
            var payload = (0..<n).map { _ -> UInt8 in g = g &* 1664525 &+ 1013904223; return UInt8(g >> 24) }
            if n > 0 { payload[0] = 1 }
            let capacity = max(0, n - 9)
            var out = [UInt8](repeating: 0xEE, count: capacity + 16)
            do {
                let written = try payload.withUnsafeBytes { p in
                    try out.withUnsafeMutableBytes { try t.decode(p, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<capacity])) }
                }
                #expect(n >= 21 && written == n - 9)
            } catch {
                #expect(n < 21)
            }
            #expect(out[capacity...].allSatisfy { $0 == 0xEE })
        }
    }
}

import Testing
import N2NWire

private typealias T = TransformTestSupport

private let expected77 = hex("""
    01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e
    0f e8 76 13 a2 2c fa 2e b3 02 23 df 3b 98 3e 84
    1b 09 9d 71 c5 b3 75 8a 17 b6 63 c5 02 e6 32 24
    93 45 62 fe 8b d4 f4 ff ef 5d 95 2f fc 59 c6 b6
    3e 70 95 f3 58 0a cc 91 14 ba 0c 5c 23
    """)

@Suite struct SpeckTransformTests {
    let passphrase = Array("mysecret".utf8)

    @Test func key() {
        #expect(SpeckTransform.key(passphrase: passphrase)
            == hex("3ac1bc3484cc4defe8a285d6050b1ad9e5ca962d0f84a94a7146ea84a0bcd25f"))
    }

    @Test func specVector() throws {
        let t = SpeckTransform(passphrase: passphrase, random: FixedRandom(Array(0..<16)))
        #expect(t.id == .speckCTR)
        let payload = try T.encode(t, T.specFrame)
        #expect(payload == expected77)
        #expect(try T.decode(t, payload) == T.specFrame)
    }

    @Test func roundTripEveryLength() throws {
        let t = SpeckTransform(passphrase: Array("n2n-test-key".utf8), random: FixedRandom(Array(0...255).reversed()))
        for length in 0...1600 {
            let plain = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ length) }
            let payload = try T.encode(t, plain)
            #expect(payload.count == 17 + length)
            #expect(payload.count == t.maxEncodedLength(plaintextLength: length))
            #expect(try T.decode(t, payload) == plain, "length \(length)")
        }
    }

    @Test func shortPayloadsAndBadVersionAreRejected() throws {
        let t = SpeckTransform(passphrase: passphrase, random: FixedRandom([1]))
        for n in 0..<17 {
            #expect(throws: TransformError.badLength(n)) { try T.decode(t, Array(expected77[..<n])) }
        }
        #expect(try T.decode(t, Array(expected77[..<17])) == [])
        #expect(throws: TransformError.badEncodingVersion(2)) { try T.decode(t, [0x02] + expected77[1...]) }
        #expect(throws: TransformError.outputTooSmall(needed: 60, available: 59)) {
            try T.decode(t, expected77, capacity: 59)
        }
    }

    @Test func encodeChecksOutputSpace() {
        let t = SpeckTransform(passphrase: passphrase, random: FixedRandom([1]))
        var out = [UInt8](repeating: 0, count: 76)
        #expect(throws: TransformError.outputTooSmall(needed: 77, available: 76)) {
            try T.specFrame.withUnsafeBytes { p in try out.withUnsafeMutableBytes { try t.encode(p, into: $0) } }
        }
    }

    @Test func garbageNeverTraps() {
        let t = SpeckTransform(passphrase: passphrase, random: FixedRandom([1]))
        var g: UInt32 = 99
        for n in 0...300 {
            var payload = (0..<n).map { _ -> UInt8 in g = g &* 1664525 &+ 1013904223; return UInt8(g >> 24) }
            if n > 0 { payload[0] = 1 }
            let capacity = max(0, n - 17)
            var out = [UInt8](repeating: 0xEE, count: capacity + 16)
            do {
                let written = try payload.withUnsafeBytes { p in
                    try out.withUnsafeMutableBytes { try t.decode(p, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<capacity])) }
                }
                #expect(n >= 17 && written == n - 17)
            } catch {
                #expect(n < 17)
            }
            #expect(out[capacity...].allSatisfy { $0 == 0xEE })
        }
    }
}

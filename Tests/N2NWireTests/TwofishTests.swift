import Testing
import N2NWire

private struct KnownAnswer: CustomTestStringConvertible, Sendable {
    let key: String, plain: String, cipher: String
    var testDescription: String { "\(key.count * 4)-bit key \(key.prefix(8))…" }
}

/// Known-answer vectors from the Twofish paper / submission package (ECB_TBL.TXT and the
/// intermediate-value listings) plus the one in spec 2.4.
private let knownAnswers: [KnownAnswer] = [
    KnownAnswer(key: "00000000000000000000000000000000",
                plain: "00000000000000000000000000000000", cipher: "9f589f5cf6122c32b6bfec2f2ae8c35a"),
    KnownAnswer(key: "00000000000000000000000000000000",
                plain: "9f589f5cf6122c32b6bfec2f2ae8c35a", cipher: "d491db16e7b1c39e86cb086b789f5419"),
    KnownAnswer(key: "9f589f5cf6122c32b6bfec2f2ae8c35a",
                plain: "d491db16e7b1c39e86cb086b789f5419", cipher: "019f9809de1711858faac3a3ba20fbc3"),
    KnownAnswer(key: "000000000000000000000000000000000000000000000000",
                plain: "00000000000000000000000000000000", cipher: "efa71f788965bd4453f860178fc19101"),
    KnownAnswer(key: "0123456789abcdeffedcba98765432100011223344556677",
                plain: "00000000000000000000000000000000", cipher: "cfd1d2e5a9be9cdf501f13b892bd2248"),
    KnownAnswer(key: "0000000000000000000000000000000000000000000000000000000000000000",
                plain: "00000000000000000000000000000000", cipher: "57ff739d4dc92c1bd7fc01700cc8216f"),
    KnownAnswer(key: "0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff",
                plain: "00000000000000000000000000000000", cipher: "37527be0052334b89f0cfccae87cfa20"),
]

@Suite struct TwofishTests {
    @Test(arguments: knownAnswers)
    fileprivate func knownAnswer(_ v: KnownAnswer) {
        let tf = Twofish(key: hex(v.key))
        var block = hex(v.plain)
        block.withUnsafeMutableBytes { tf.encryptBlock($0.baseAddress!, $0.baseAddress!) }
        #expect(block == hex(v.cipher))
        block.withUnsafeMutableBytes { tf.decryptBlock($0.baseAddress!, $0.baseAddress!) }
        #expect(block == hex(v.plain))
    }

    @Test func decryptInvertsEncrypt() {
        let tf = Twofish(key: Array("mysecretmysecretmysecretmysecret".utf8))
        var g: UInt32 = 12345
        for _ in 0..<100 {
            var w = [UInt32](repeating: 0, count: 4)
            for i in 0..<4 { g = g &* 1664525 &+ 1013904223; w[i] = g }
            let c = tf.encrypt(w[0], w[1], w[2], w[3])
            #expect(c != (w[0], w[1], w[2], w[3]))
            let p = tf.decrypt(c.0, c.1, c.2, c.3)
            #expect(p == (w[0], w[1], w[2], w[3]))
        }
    }

    @Test func passphraseKey() {
        #expect(TwofishTransform.key(passphrase: Array("mysecret".utf8)) == Array("mysecretmysecretmysecretmysecret".utf8))
        #expect(TwofishTransform.key(passphrase: Array("abc".utf8)) == Array("abcabcabcabcabcabcabcabcabcabcab".utf8))
        let long = (0..<200).map { UInt8(truncatingIfNeeded: $0) }
        #expect(TwofishTransform.key(passphrase: long) == Array(long[..<32]))
        #expect(TwofishTransform.key(passphrase: []) == [UInt8](repeating: 0, count: 32))
    }
}

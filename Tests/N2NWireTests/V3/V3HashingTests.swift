import Testing
@testable import N2NWire

/// v3 spec 2.1 (pearsonB; the 512-byte vector is printed by the stock `tests-hashing`) and 2.2
/// (Speck block vectors, both variants, and the decryption v3 adds).
@Suite struct V3HashingTests {
    static let pattern512 = (0..<512).map { UInt8($0 & 0x0f) }

    @Test func pattern512() {
        let h256 = PearsonB.hash256(Self.pattern512)
        #expect(hexString(h256) == "40095cca286bfb934c4af7c079a8045ab53dcfb3a7ed1856b2d98fa82ea108be")
        #expect(hexString(PearsonB.hash128(Self.pattern512)) == "b53dcfb3a7ed1856b2d98fa82ea108be")
        let h64 = PearsonB.hash64(Self.pattern512)
        #expect(h64 == 0xb2d9_8fa8_2ea1_08be)
        #expect(UInt32(truncatingIfNeeded: h64) == 0x2ea1_08be)
        #expect(UInt16(truncatingIfNeeded: h64) == 0x08be)
    }

    @Test(arguments: [
        ("", "6c3e53de84464c171530a8f4452503cfda26e52fa3730902b4d055fcf2cbbd7b", 0xb4d0_55fc_f2cb_bd7b as UInt64),
        ("abc", "1e217c823e460b8a3250f472071865d5ddd72677a34de940582b9df2877cecc8", 0x582b_9df2_877c_ecc8),
        ("mysecret", "22ebd965aaba6069d7631cab95ece167c4a7225a548e5dce1336c0494f0e7937", 0x1336_c049_4f0e_7937),
        ("n2n", "d5833e595a43c1d1a672a4f1396e20cc3b34895bdd72c85f0c3cc37678291925", 0x0c3c_c376_7829_1925),
        ("hostA", "0a9d2fb0655e7ed6cfbea3c2b8cd0e4e089ed36b4bfa832ff0894fd47e21cb1d", 0xf089_4fd4_7e21_cb1d),
        ("logan", "04a77621095e090c0af9d6337488acd56482cb09ce2e801b82ab00e046055111", 0x82ab_00e0_4605_5111),
    ])
    func shortInputs(_ input: String, _ h256: String, _ h64: UInt64) {
        let bytes = Array(input.utf8)
        #expect(hexString(PearsonB.hash256(bytes)) == h256)
        #expect(hexString(PearsonB.hash128(bytes)) == String(h256.suffix(32)))
        #expect(PearsonB.hash64(bytes) == h64)
    }

    @Test func speck128_256Block() {
        let speck = Speck128(key: Array(0...31))
        var block = hex("706f6f6e65722e20496e2074686f7365")
        block.withUnsafeMutableBytes { speck.encryptBlock($0) }
        #expect(hexString(block) == "438f189c8db4ee4e3ef5c00504010941")
        block.withUnsafeMutableBytes { speck.decryptBlock($0) }
        #expect(hexString(block) == "706f6f6e65722e20496e2074686f7365")
    }

    @Test func speck128_128Block() {
        let speck = Speck128(key: Array(0...15))
        var block = hex("206d616465206974206571756976616c")
        block.withUnsafeMutableBytes { speck.encryptBlock($0) }
        #expect(hexString(block) == "180d575cdffe60786532787951985da6")
        block.withUnsafeMutableBytes { speck.decryptBlock($0) }
        #expect(hexString(block) == "206d616465206974206571756976616c")
    }

    @Test func speckDecryptInvertsRandomBlocks() {
        var rng = TransformTestSupport.SeededGenerator(seed: 7)
        let speck = Speck128(key: rng.bytes(16))
        for _ in 0..<200 {
            let (y, x) = (rng.next(), rng.next())
            let c = speck.encrypt(y: y, x: x)
            let p = speck.decrypt(y: c.y, x: c.x)
            #expect(p.y == y && p.x == x)
        }
    }
}

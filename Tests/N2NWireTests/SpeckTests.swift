import Testing
import N2NWire

private func ctr(_ speck: Speck128, iv: [UInt8], _ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: data.count)
    iv.withUnsafeBytes { ivp in
        data.withUnsafeBytes { d in
            out.withUnsafeMutableBytes { o in
                speck.ctr(iv: ivp.baseAddress!, input: d.baseAddress ?? ivp.baseAddress!, output: o.baseAddress ?? UnsafeMutableRawPointer(mutating: ivp.baseAddress!), count: data.count)
            }
        }
    }
    return out
}

/// Block-at-a-time CTR per the text of spec 2.8, to check the multi-block fast path against.
private func slowCTR(_ speck: Speck128, iv: [UInt8], _ data: [UInt8]) -> [UInt8] {
    var low: UInt64 = 0, high: UInt64 = 0
    for i in 0..<8 { low |= UInt64(iv[i]) << (8 * i); high |= UInt64(iv[8 + i]) << (8 * i) }
    var out = data
    var j: UInt64 = 0
    var off = 0
    while off < data.count {
        var block = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            block[i] = UInt8(truncatingIfNeeded: (low &+ j) >> (8 * i))
            block[8 + i] = UInt8(truncatingIfNeeded: high >> (8 * i))
        }
        block.withUnsafeMutableBytes { speck.encryptBlock($0) }
        for i in 0..<min(16, data.count - off) { out[off + i] ^= block[i] }
        j += 1
        off += 16
    }
    return out
}

@Suite struct SpeckTests {
    @Test func speck128_256() {
        let speck = Speck128(key: Array(0..<32))
        #expect(speck.rounds == 34)
        var block = hex("706f6f6e65722e20496e2074686f7365")
        block.withUnsafeMutableBytes { speck.encryptBlock($0) }
        #expect(block == hex("438f189c8db4ee4e3ef5c00504010941"))
    }

    @Test func speck128_128() {
        let speck = Speck128(key: Array(0..<16))
        #expect(speck.rounds == 32)
        var block = hex("206d616465206974206571756976616c")
        block.withUnsafeMutableBytes { speck.encryptBlock($0) }
        #expect(block == hex("180d575cdffe60786532787951985da6"))
    }

    @Test func speck96_96() {
        let speck = Speck96(key: hex("000102030405 08090a0b0c0d"))
        let plain = hex("207573616765 2c20686f7765")
        var block = plain
        block.withUnsafeMutableBytes { speck.encryptBlock($0.baseAddress!) }
        #expect(block == hex("aa798fdebd62 7871ab094d9e"))
        block.withUnsafeMutableBytes { speck.decryptBlock($0.baseAddress!) }
        #expect(block == plain)
    }

    @Test func speck96DecryptInvertsEncrypt() {
        let speck = Speck96(key: hex("f3fe0de4860db48be7214e08"))
        var g: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<200 {
            g = g &* 6364136223846793005 &+ 1442695040888963407
            let y = g & 0xFFFF_FFFF_FFFF
            let x = (g >> 16) & 0xFFFF_FFFF_FFFF
            let c = speck.encrypt(y: y, x: x)
            #expect(c.y >> 48 == 0 && c.x >> 48 == 0)
            let p = speck.decrypt(y: c.y, x: c.x)
            #expect(p.y == y && p.x == x)
        }
    }

    @Test func ctrCounterWrapsWithoutCarry() {
        let speck = Speck128(key: Array(0..<32))
        let iv = hex("ffffffffffffffff1111111111111111")
        let expected = hex("b7161cd8465df1e378c4f772bf7771217d3d8d4ee7a26f813aebe0b5a9dde4b20cf4edba5d515195")
        #expect(ctr(speck, iv: iv, [UInt8](repeating: 0, count: 40)) == expected)
        #expect(slowCTR(speck, iv: iv, [UInt8](repeating: 0, count: 40)) == expected)
    }

    /// The 4- and 2-block paths and the tail against the single-block definition, including a
    /// counter that wraps inside a 4-block group.
    @Test(arguments: [0, 1, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 95, 96, 97, 112, 127, 128, 129, 512, 1500])
    func ctrFastPathMatchesBlockwise(length: Int) {
        let speck = Speck128(key: Array(100..<132))
        let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for iv in [Array(0..<16), hex("fdffffffffffffff0123456789abcdef")] {
            let fast = ctr(speck, iv: iv, data)
            #expect(fast == slowCTR(speck, iv: iv, data))
            #expect(ctr(speck, iv: iv, fast) == data)
        }
    }

    @Test func ctrInPlace() {
        let speck = Speck128(key: Array(0..<16))
        let iv = Array(0..<16).map { UInt8($0) }
        let data = (0..<200).map { UInt8(truncatingIfNeeded: $0) }
        var buffer = data
        iv.withUnsafeBytes { ivp in
            buffer.withUnsafeMutableBytes { b in
                speck.ctr(iv: ivp.baseAddress!, input: b.baseAddress!, output: b.baseAddress!, count: b.count)
            }
        }
        #expect(buffer == slowCTR(speck, iv: iv, data))
    }
}

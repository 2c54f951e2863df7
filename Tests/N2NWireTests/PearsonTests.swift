import Testing
import N2NWire

private let pearsonTable: [UInt8] = hex("""
    0157310cb0b266a679c10654f9e62ca30ec5d5b5a155da5040ef18e2ec8e26c8
    6eb168678dfdff324d6551122d601fde196bbe4656edf02248f214d6f4e395eb
    61ea39163cfa52afd0057fc76f3e87f8aea9d33a429a6ac3f5ab11bbb6b300f3
    8438944b80859e64827e5b0d99f6d8db7744df4e5358c9637a0b5c208872340a
    8a1e30b79c233d1a8f4afb5e81a23f98aa0773a7f1ce0396373b97dc5a351783
    7dad0fee4f5f59106989e1e0d9a0257b7649029d2e74099186e4cfd4cad745e5
    1bbc437ca8fc2a041d6c15f713cd27cbe928ba93c6c09b21a4bf62cca5b4754c
    8c24d2ac29369f08b9e871c4e72f927833411c90fedd5dbdc28b702b476db8d1
    """)

/// The lane function of spec 2.2, written as plainly as possible.
private func lane(_ m: UInt8, _ input: [UInt8]) -> UInt8 {
    var s: UInt8 = 0
    for c in input { s = pearsonTable[Int(s ^ c ^ m)] }
    return s
}

@Suite struct PearsonTests {
    @Test func tableIsAPermutation() {
        #expect(Set(pearsonTable).count == 256)
        #expect(pearsonTable.count == 256)
    }

    @Test func vectors() {
        let pass = Array("mysecret".utf8)
        #expect(Pearson.hash256(pass) == hex("3ac1bc3484cc4defe8a285d6050b1ad9e5ca962d0f84a94a7146ea84a0bcd25f"))
        #expect(Pearson.hash128(pass) == hex("e5ca962d0f84a94a7146ea84a0bcd25f"))
        #expect(Pearson.hash16(pass) == 0xd25f)
        #expect(Pearson.hash16(Array("abc".utf8)) == 0x5bdf)
        let community = Array("mynet".utf8) + [UInt8](repeating: 0, count: 11)
        #expect(Pearson.hash128(community) == hex("d9cb32e5c368205caa5893302f1306f0"))
    }

    @Test func emptyInputHashesToZero() {
        #expect(Pearson.hash256([UInt8]()) == [UInt8](repeating: 0, count: 32))
        #expect(Pearson.hash128([UInt8]()) == [UInt8](repeating: 0, count: 16))
        #expect(Pearson.hash16([UInt8]()) == 0)
        #expect(Pearson.hash16(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
    }

    /// The fast lane-parallel code against the definition, for many lengths (the unrolled
    /// Pearson-16 loop has a remainder path for lengths not divisible by 4).
    @Test(arguments: [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 255, 1500])
    func matchesDefinition(length: Int) {
        var g = UInt32(truncatingIfNeeded: length &* 2654435761)
        let input = (0..<length).map { _ -> UInt8 in
            g = g &* 1664525 &+ 1013904223
            return UInt8(truncatingIfNeeded: g >> 24)
        }
        let h256 = Pearson.hash256(input)
        let h128 = Pearson.hash128(input)
        #expect(h256 == (0..<32).map { lane(UInt8(31 - $0), input) })
        #expect(h128 == (0..<16).map { lane(UInt8(15 - $0), input) })
        #expect(Array(h256[16...]) == h128)
        #expect(Pearson.hash16(input) == UInt16(lane(1, input)) << 8 | UInt16(lane(0, input)))
    }

    @Test func bufferAPIWritesOnlyItsBytes() {
        let input = Array("mysecret".utf8)
        var out = [UInt8](repeating: 0xAA, count: 40)
        input.withUnsafeBytes { i in out.withUnsafeMutableBytes { Pearson.hash256(i, into: $0) } }
        #expect(Array(out[..<32]) == Pearson.hash256(input))
        #expect(Array(out[32...]) == [UInt8](repeating: 0xAA, count: 8))
        input.withUnsafeBytes { i in out.withUnsafeMutableBytes { Pearson.hash128(i, into: $0) } }
        #expect(Array(out[..<16]) == Pearson.hash128(input))
    }
}

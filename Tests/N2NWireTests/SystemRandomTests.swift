import Testing

@testable import N2NWire

@Suite struct SystemRandomTests {
    private func draw(_ random: SystemRandom, _ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { random.fill($0) }
        return bytes
    }

    @Test("successive draws never repeat, across pool refills", arguments: [16, 100, 4096])
    func distinctDraws(poolSize: Int) {
        let random = SystemRandom(poolSize: poolSize)
        var seen = Set<[UInt8]>()
        for _ in 0..<2000 { seen.insert(draw(random, 16)) }
        #expect(seen.count == 2000)
    }

    @Test("two generators give different streams")
    func independentInstances() {
        #expect(draw(SystemRandom(), 32) != draw(SystemRandom(), 32))
    }

    @Test("requests larger than the pool and of length 0 work")
    func sizes() {
        let random = SystemRandom(poolSize: 64)
        let big = draw(random, 10_000)
        #expect(Set(big).count > 200)
        #expect(draw(random, 0).isEmpty)
        // A request that does not fit the rest of the pool refills rather than handing out a short tail.
        _ = draw(random, 60)
        let next = draw(random, 8)
        #expect(next != [UInt8](repeating: 0, count: 8))
    }

    @Test("byte values are roughly uniform")
    func uniform() {
        let bytes = draw(SystemRandom(), 256 * 1024)
        var counts = [Int](repeating: 0, count: 256)
        for b in bytes { counts[Int(b)] += 1 }
        // Expected 1024 each, σ ≈ 32; ±200 is over 6σ.
        #expect(counts.allSatisfy { abs($0 - 1024) < 200 }, "min \(counts.min()!), max \(counts.max()!)")
    }
}

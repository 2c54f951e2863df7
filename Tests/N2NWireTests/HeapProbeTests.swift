import Testing
import Glibc
@testable import N2NWire

private typealias T = TransformTestSupport

/// Leak checks (spec 10.1 item 4) read malloc's process-wide bytes in use, so anything else running
/// at the same time shows up as growth. They therefore run one at a time, in a child process that runs
/// nothing else: `N2NWireHeapProbeTests` in PacketCoreTests spawns the test binary on this suite.
@Suite(.serialized, .enabled(if: HeapProbe.isAvailable && getenv("N2N_ALLOCATION_PROBE") != nil))
struct N2NWireHeapProbeSuite {
    @Test("HeapProbe notices a deliberate leak (so the next test can fail)")
    func probeWorks() {
        var kept: [UnsafeMutableRawPointer] = []
        kept.reserveCapacity(12_000)
        let growth = HeapProbe.minimumGrowth(rounds: 5) { () throws(Never) in
            for _ in 0..<2000 { kept.append(.allocate(byteCount: 256, alignment: 8)) }
        }
        kept.forEach { $0.deallocate() }
        #expect(growth >= 2000 * 256)
    }

    @Test("no leak on the incompressible path, nor elsewhere (spec 10.1 item 4)")
    func noLeak() {
        let c = Compressor()
        var generator = T.SeededGenerator(seed: 7)
        let noise = generator.bytes(1400)
        let frame = compressibleFrame(1400)
        var out = [UInt8](repeating: 0, count: 2048)
        var back = [UInt8](repeating: 0, count: 2048)
        let growth = noise.withUnsafeBytes { n in
            frame.withUnsafeBytes { f in
                out.withUnsafeMutableBytes { o in
                    back.withUnsafeMutableBytes { b in
                        HeapProbe.minimumGrowth(rounds: 5) { () throws(Never) in
                            for _ in 0..<500 {
                                for id in [CompressionID.lzo, .zstd] {
                                    precondition(c.compress(n, into: o, using: id) == nil)
                                    let packed = c.compress(f, into: o, using: id)!
                                    _ = try? c.decompress(UnsafeRawBufferPointer(rebasing: o[0..<packed]), into: b, id: id.rawValue)
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(growth < 16 * 1024, "heap grew by \(growth) bytes over 2000 calls")
    }

    @Test("AES-CBC: no heap growth per packet over many encodes and decodes")
    func aesDoesNotGrowTheHeap() throws {
        let aes = try AESTransform(passphrase: Array("mysecret".utf8), random: SystemRandom())
        let growth = try T.heapGrowthOverRoundTrips(aes)
        #expect(growth < 16 * 1024, "heap grew by \(growth) bytes over 2000 packets")
    }

    @Test("ChaCha20: no heap growth per packet over many encodes and decodes")
    func chachaDoesNotGrowTheHeap() throws {
        let chacha = try ChaCha20Transform(passphrase: Array("mysecret".utf8), random: SystemRandom())
        let growth = try T.heapGrowthOverRoundTrips(chacha)
        #expect(growth < 16 * 1024, "heap grew by \(growth) bytes over 2000 packets")
    }
}

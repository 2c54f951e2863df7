#if canImport(Glibc)
import Glibc
#endif
import N2NWire

/// `Compressor.decompress` on arbitrary input. Input byte 0: bits 0...2 the compression id (0...7),
/// bits 3...7 the output capacity (0: 2048, k: 64·k, 31: 4096, more than the frame limit).
final class CompressionHarness {
    let compressor = Compressor()
    let recompressed = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * maxFrameLength, alignment: 16)
    let roundTrip = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFrameLength, alignment: 16)

    func run(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard size >= 1, let data else { return }
        let id = data[0] & 7
        let k = Int(data[0] >> 3)
        let capacity = k == 0 ? maxFrameLength : k == 31 ? 2 * maxFrameLength : 64 * k
        withExactCopy(data + 1, size - 1) { input in
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
            defer { output.deallocate() }
            let n: Int
            do {
                n = try compressor.decompress(UnsafeRawBufferPointer(input), into: output, id: id)
            } catch {
                report(error)
                if id == 0 && input.count <= min(capacity, maxFrameLength) { fuzzFailure("id 0 refused \(input.count) bytes") }
                return
            }
            if n < 0 || n > min(capacity, maxFrameLength) { fuzzFailure("decompress returned \(n) for capacity \(capacity)") }
            if id > 2 { fuzzFailure("unknown id \(id) accepted") }
            if id == 0 && (n != input.count || (n > 0 && memcmp(output.baseAddress!, input.baseAddress!, n) != 0)) {
                fuzzFailure("id 0 is not a copy")
            }
            if id != 0 { checkRoundTrip(UnsafeRawBufferPointer(rebasing: output[..<n]), id: id) }
        }
    }

    /// What decompressed must compress (when it shrinks) and decompress back to itself.
    private func checkRoundTrip(_ plain: UnsafeRawBufferPointer, id: UInt8) {
        guard let algorithm = CompressionID(rawValue: id),
              let c = compressor.compress(plain, into: recompressed, using: algorithm) else { return }
        if c >= plain.count { fuzzFailure("compress returned \(c) for \(plain.count) bytes") }
        do {
            let m = try compressor.decompress(UnsafeRawBufferPointer(rebasing: recompressed[..<c]), into: roundTrip, id: id)
            guard m == plain.count, memcmp(roundTrip.baseAddress!, plain.baseAddress!, m) == 0 else {
                fuzzFailure("\(algorithm) round trip of \(plain.count) bytes gave \(m) different bytes")
            }
        } catch {
            fuzzFailure("\(algorithm) could not decompress its own output: \(error)")
        }
    }

    func writeSeeds(_ seeds: inout SeedWriter) {
        for frame in seedFrames() {
            seeds.write([0] + frame)
            for algorithm in [CompressionID.lzo, .zstd] {
                if let c = frame.withUnsafeBytes({ compressor.compress($0, into: recompressed, using: algorithm) }) {
                    seeds.write([algorithm.rawValue] + Array(UnsafeRawBufferPointer(rebasing: recompressed[..<c])))
                    // The same stream into a 64-byte buffer: must fail cleanly when it does not fit.
                    seeds.write([algorithm.rawValue | 1 << 3] + Array(UnsafeRawBufferPointer(rebasing: recompressed[..<c])))
                }
            }
        }
    }
}

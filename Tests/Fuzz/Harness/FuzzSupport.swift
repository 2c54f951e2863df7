#if canImport(Glibc)
import Glibc
#endif
import N2NWire

/// A fuzz-found property violation: abort with a message libFuzzer records beside the crash input.
func fuzzFailure(_ message: String) -> Never {
    printError("fuzz property violated: \(message)\n")
    abort()
}

/// Straight to fd 2 (the `stderr` global is not concurrency-safe in Swift 6).
func printError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Runs `body` on a heap copy of exactly `size` bytes, so AddressSanitizer reports any access one
/// byte past the datagram (a larger reused buffer would hide over-reads).
func withExactCopy<R>(_ data: UnsafePointer<UInt8>?, _ size: Int, _ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
    defer { buffer.deallocate() }
    if size > 0, let data { buffer.copyMemory(from: UnsafeRawBufferPointer(start: data, count: size)) }
    return body(buffer)
}

/// Deterministic IV and cookie bytes (xorshift64), so a crash reproduces from its input alone.
final class CounterRandom: RandomSource {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15

    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        for i in buffer.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            buffer[i] = UInt8(truncatingIfNeeded: state)
        }
    }
}

/// Touches what a log line or counter would, since those run on the same hostile input.
@inline(never)
func report(_ error: any Error) {
    let text = String(describing: error)
    if text.isEmpty { fuzzFailure("empty error description") }
}

/// Decoded → encoded → decoded must give the same message and consume the same bytes: the
/// decoder accepts nothing the encoder cannot say back.
func checkCodecRoundTrip(_ decoded: DecodedPacket) {
    let length = WireCodec.encodedLength(of: decoded.message)
    guard length == decoded.bodyEnd else {
        fuzzFailure("encodedLength \(length) != decoded bodyEnd \(decoded.bodyEnd) for \(decoded.message.code)")
    }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 1)
    defer { buffer.deallocate() }
    do {
        let written = try WireCodec.encode(decoded.header, decoded.message, into: buffer)
        guard written == length else { fuzzFailure("encode wrote \(written), expected \(length)") }
        let again = try WireCodec.decode(UnsafeRawBufferPointer(buffer))
        guard again == decoded else { fuzzFailure("re-decoded \(again) != \(decoded)") }
    } catch {
        fuzzFailure("re-encoding a decoded \(decoded.message.code) failed: \(error)")
    }
}

/// Seed corpus output: with N2N_FUZZ_SEEDS=<dir> a target writes its generated seeds and exits
/// instead of fuzzing (run.sh does this before each run).
struct SeedWriter {
    let directory: String
    var count = 0

    static func fromEnvironment() -> SeedWriter? {
        guard let dir = getenv("N2N_FUZZ_SEEDS") else { return nil }
        return SeedWriter(directory: String(cString: dir))
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        count += 1
        let path = "\(directory)/gen-\(count)"
        guard let file = fopen(path, "wb") else { fuzzFailure("cannot create \(path)") }
        if bytes.count > 0 { fwrite(bytes.baseAddress, 1, bytes.count, file) }
        fclose(file)
    }

    mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    func finish() -> Never {
        printError("wrote \(count) seeds to \(directory)\n")
        exit(0)
    }
}

/// Ethernet frames of the sizes a TAP delivers, compressible and not.
func seedFrames() -> [[UInt8]] {
    let random = CounterRandom()
    var frames: [[UInt8]] = []
    let header: [UInt8] = [0x02, 0, 0, 0, 0xfa, 0x02, 0x02, 0, 0, 0, 0xfa, 0x01, 0x08, 0x00]
    for size in [14, 42, 60, 98, 590, 1290, 1514, maxFrameLength] {
        var zeros = header + [UInt8](repeating: 0, count: size - header.count)
        if size >= 20 { zeros[14] = 0x45 }
        frames.append(zeros)
        var noise = [UInt8](repeating: 0, count: size - header.count)
        noise.withUnsafeMutableBytes { random.fill($0) }
        frames.append(header + noise)
    }
    return frames
}

/// Up to 48 raw bytes kept inline (no allocation): v3's auth tokens (at most 48, spec 1.5), device
/// descriptions (16) and version strings (20). The capacity is what the stock decoders can hold,
/// so a value of this type can never make our encoders overflow a stock receiver (spec 13.1 item 1).
public struct WireBytes: Hashable, Sendable, CustomStringConvertible {
    public static let capacity = 48

    @usableFromInline var storage: SIMD8<UInt64>
    public private(set) var count: Int

    public init() {
        storage = SIMD8(repeating: 0)
        count = 0
    }

    /// `bytes` must hold at most `capacity` bytes: a longer token is a programming error.
    public init(_ bytes: some Collection<UInt8>) {
        precondition(bytes.count <= WireBytes.capacity, "WireBytes holds at most \(WireBytes.capacity) bytes")
        self.init()
        count = bytes.count
        withUnsafeMutableBytes(of: &storage) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
    }

    /// `size` bytes of `text`'s UTF-8, NUL-padded (or cut): a fixed-width text field.
    /// Writes straight into the inline storage: replies built per datagram (PONG, PEER_INFO) allocate nothing.
    public init(padding text: String, to size: Int) {
        precondition(size <= WireBytes.capacity)
        self.init()
        count = size
        withUnsafeMutableBytes(of: &storage) { raw in
            var i = 0
            for b in text.utf8 {
                guard i < size else { break }
                raw[i] = b
                i += 1
            }
        }
    }

    /// Reads `count` (≤ capacity) bytes at `offset`; the caller has checked the bounds.
    init(loadingFrom buffer: UnsafeRawBufferPointer, at offset: Int, count: Int) {
        self.init()
        self.count = count
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.baseAddress!.copyMemory(from: buffer.baseAddress! + offset, byteCount: count)
        }
    }

    /// Writes the bytes at `offset`, then zeros up to `width` bytes in all (`width` ≥ count).
    func store(to buffer: UnsafeMutableRawBufferPointer, at offset: Int, width: Int) {
        withUnsafeBytes(of: storage) { raw in
            let n = Swift.min(count, width)
            if n > 0 { (buffer.baseAddress! + offset).copyMemory(from: raw.baseAddress!, byteCount: n) }
            if width > n { (buffer.baseAddress! + offset + n).initializeMemory(as: UInt8.self, repeating: 0, count: width - n) }
        }
    }

    public var bytes: [UInt8] { withUnsafeBytes(of: storage) { Array($0.prefix(count)) } }

    /// The bytes up to the first NUL as UTF-8 (descriptions, version strings).
    public var text: String {
        let b = bytes
        return String(decoding: b[..<(b.firstIndex(of: 0) ?? b.count)], as: UTF8.self)
    }

    public var description: String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}

/// The 16-byte community field of the common header (spec 1.2.3), stored as raw bytes.
public struct Community: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0...7 and 8...15 of the field, in memory order.
    public var low: UInt64
    public var high: UInt64

    public static let size = 16
    /// 2.6+ senders copy at most 15 characters and always NUL-terminate.
    public static let maxNameLength = 15

    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    /// Builds the field from a name as n2n 2.8 does: the first 15 bytes of its UTF-8, NUL-padded.
    public init(_ name: String) {
        var bytes = [UInt8](repeating: 0, count: 16)
        for (i, b) in name.utf8.prefix(Community.maxNameLength).enumerated() { bytes[i] = b }
        self = bytes.withUnsafeBytes { Community(loadingFrom: $0, at: 0) }
    }

    @inlinable
    public init(loadingFrom buffer: UnsafeRawBufferPointer, at offset: Int) {
        low = buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        high = buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
    }

    @inlinable
    public func store(to buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        buffer.storeBytes(of: low, toByteOffset: offset, as: UInt64.self)
        buffer.storeBytes(of: high, toByteOffset: offset + 8, as: UInt64.self)
    }

    public var bytes: [UInt8] {
        withUnsafeBytes(of: (low, high)) { Array($0) }
    }

    /// True when a NUL occurs within the 16 bytes (what the supernode requires, spec 1.5).
    public var isTerminated: Bool { bytes.contains(0) }

    /// The name up to the first NUL (the supernode's lookup key).
    public var name: String {
        let b = bytes
        let end = b.firstIndex(of: 0) ?? b.count
        return String(decoding: b[..<end], as: UTF8.self)
    }

    public var description: String { name }
}

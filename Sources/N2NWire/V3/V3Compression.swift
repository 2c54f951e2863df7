/// The PACKET compression byte of v3 (v3 spec 4.1): 1 none, 2 LZO1X, 3 ZSTD; 0 and 4...255 are
/// dropped. The algorithms are v2's, one id higher.
extension CompressionID {
    /// The v3 byte for this algorithm.
    public var v3Byte: UInt8 { rawValue + 1 }

    /// The algorithm of a v3 compression byte; nil for 0 ("invalid") and unknown ids.
    public init?(v3Byte: UInt8) {
        guard v3Byte >= 1, let id = CompressionID(rawValue: v3Byte - 1) else { return nil }
        self = id
    }
}

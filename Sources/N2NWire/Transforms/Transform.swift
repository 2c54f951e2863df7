/// Payload transform ids (spec 2.1).
public enum TransformID: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case null = 1
    case twofish = 2
    case aesCBC = 3
    case chacha20 = 4
    case speckCTR = 5

    public var description: String {
        switch self {
        case .null: "null"
        case .twofish: "Twofish"
        case .aesCBC: "AES-CBC"
        case .chacha20: "ChaCha20"
        case .speckCTR: "Speck-CTR"
        }
    }
}

/// Compression ids, the top 3 bits of the transform field (spec 3.1).
public enum CompressionID: UInt8, Sendable, CaseIterable {
    case none = 0
    case lzo = 1
    case zstd = 2
}

/// The PACKET transform u16: compression id in bits 15...13, transform id in bits 12...0.
public struct TransformField: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public init(transform: TransformID, compression: CompressionID = .none) {
        rawValue = UInt16(compression.rawValue) << 13 | transform.rawValue
    }

    /// The 13-bit transform id as received (may be any value).
    public var transformID: UInt16 { rawValue & 0x1FFF }
    /// The 3-bit compression id as received (0...7).
    public var compressionID: UInt8 { UInt8(rawValue >> 13) }
}

/// Why a payload could not be transformed. Each is a counted drop.
public enum TransformError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The packet's transform id is not the one this edge is configured for.
    case wrongTransform(received: UInt16, expected: UInt16)
    /// The transform's encoding-version byte was not 1.
    case badEncodingVersion(UInt8)
    /// The payload length is impossible for this transform (too short, not a block multiple, ...).
    case badLength(Int)
    /// AES-CBC pad count outside 1...16 (spec 2.5).
    case badPadding(UInt8)
    /// Compression id 3...7.
    case unsupportedCompression(UInt8)
    /// LZO or ZSTD reported an error, or the result would exceed the frame limit.
    case decompressionFailed(CompressionID)
    /// The destination buffer cannot hold the result.
    case outputTooSmall(needed: Int, available: Int)
    /// The underlying library call failed.
    case cryptoFailure(String)

    public var description: String {
        switch self {
        case let .wrongTransform(r, e): "invalid transop ID \(r) (configured \(e))"
        case let .badEncodingVersion(v): "unsupported transform encoding version \(v)"
        case let .badLength(n): "invalid payload length \(n)"
        case let .badPadding(p): "invalid padding byte \(p)"
        case let .unsupportedCompression(c): "unsupported compression id \(c)"
        case let .decompressionFailed(c): "decompression (\(c)) failed"
        case let .outputTooSmall(n, a): "output too small: need \(n), have \(a)"
        case let .cryptoFailure(what): "crypto library failure: \(what)"
        }
    }

    public var counterName: String {
        switch self {
        case .wrongTransform: "wrong_transform"
        case .badEncodingVersion: "bad_transform_version"
        case .badLength: "bad_payload_length"
        case .badPadding: "bad_padding"
        case .unsupportedCompression: "unsupported_compression"
        case .decompressionFailed: "decompression_failed"
        case .outputTooSmall: "output_too_small"
        case .cryptoFailure: "crypto_failure"
        }
    }
}

/// Where IVs, nonces and cookies come from. Production code uses `SystemRandom` (OpenSSL's CSPRNG);
/// tests inject fixed bytes to reproduce the spec's vectors.
public protocol RandomSource: AnyObject {
    func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

/// A payload transform (spec 2). Instances own their key schedule and library contexts, are not
/// thread-safe (one per data-plane thread), and never allocate per call.
public protocol PayloadTransform: AnyObject {
    var id: TransformID { get }

    /// Upper bound of the encoded payload length for a plaintext of `plaintextLength` bytes.
    func maxEncodedLength(plaintextLength: Int) -> Int

    /// Encrypts `plaintext` into `output` (non-overlapping); returns the bytes written.
    func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int

    /// Decrypts a received payload into `output` (non-overlapping); returns the plaintext length.
    func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int
}

/// The largest Ethernet frame the protocol carries (spec 0: 2048-byte buffers): the upper bound
/// for every frame capacity, which is passed to each buffer's owner rather than read from here.
public let maxFrameLength = 2048

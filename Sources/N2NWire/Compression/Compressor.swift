import CLZO
import CZstd

/// Frame compression (spec 3): LZO1X-1 (id 1) and Zstandard (id 2), with the LZO work memory, an
/// LZO output scratch and the zstd contexts allocated once, so no call allocates. Not thread-safe:
/// one per data-plane thread.
public final class Compressor {
    /// Spec 3.1: what n2n 2.8's `-z2` uses. The level is a sender-side choice; any valid frame decodes.
    /// It is costly on small frames (tens of µs per 1290-byte frame, against a few µs at level 1).
    public static let defaultZstdLevel: Int32 = 7

    let lzoWorkMemory: UnsafeMutableRawPointer
    /// Where LZO writes when the caller's buffer is smaller than LZO's worst case: `lzo1x_1_compress`
    /// takes no output capacity, so it must always be given room for that worst case.
    let lzoScratch: UnsafeMutableRawBufferPointer
    let zstdCompressor: OpaquePointer
    let zstdDecompressor: OpaquePointer

    /// The longest frame compressed or produced by decompression.
    public let frameCapacity: Int

    public init(zstdLevel: Int32 = Compressor.defaultZstdLevel, frameCapacity: Int = maxFrameLength) {
        self.frameCapacity = frameCapacity
        // lzo_init() only checks that the library matches its headers; failing it is an installation fault.
        precondition(n2n_lzo_init() == LZO_E_OK, "lzo_init failed: liblzo2 does not match its headers")
        guard let cctx = ZSTD_createCCtx(), let dctx = ZSTD_createDCtx() else {
            fatalError("ZSTD_createCCtx/ZSTD_createDCtx: out of memory")
        }
        let status = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, zstdLevel)
        precondition(ZSTD_isError(status) == 0, "zstd level \(zstdLevel): \(String(cString: ZSTD_getErrorName(status)))")
        zstdCompressor = cctx
        zstdDecompressor = dctx
        lzoWorkMemory = .allocate(byteCount: Int(n2n_lzo1x_1_mem_compress), alignment: 16)
        lzoScratch = .allocate(byteCount: Self.lzoWorstCase(frameCapacity), alignment: 16)
    }

    deinit {
        ZSTD_freeCCtx(zstdCompressor)
        ZSTD_freeDCtx(zstdDecompressor)
        lzoWorkMemory.deallocate()
        lzoScratch.deallocate()
    }

    /// Compresses `input` into `output` with `algorithm`. Returns the compressed length only when it
    /// is strictly shorter than the input (spec 3.2); nil means "send uncompressed with id 0" (also
    /// for `.none`, for a library error, or when the result does not fit `output`).
    public func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
        using algorithm: CompressionID) -> Int?
    {
        // Anything not shorter than the input is useless, so that is the most we ever produce.
        let limit = min(output.count, input.count - 1)
        guard limit > 0, let source = input.baseAddress, let destination = output.baseAddress else { return nil }
        switch algorithm {
        case .none: return nil
        case .lzo:
            return compressLZO(source, count: input.count, into: destination, capacity: output.count, limit: limit)
        case .zstd: return compressZstd(source, count: input.count, into: destination, limit: limit)
        }
    }

    /// Undoes compression id `id` (the transform field's top 3 bits) into `output`, producing at most
    /// `min(output.count, frameCapacity)` bytes; longer results are errors, never overflows
    /// (spec 3.3, 10.1 item 3). Id 0 copies the input.
    public func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, id: UInt8)
        throws(TransformError) -> Int
    {
        let capacity = min(output.count, frameCapacity)
        switch CompressionID(rawValue: id) {
        case .none?:
            guard input.count <= capacity else { throw .outputTooSmall(needed: input.count, available: capacity) }
            if input.count > 0 { output.baseAddress!.copyMemory(from: input.baseAddress!, byteCount: input.count) }
            return input.count
        case .lzo?:
            return try decompressLZO(input, into: output.baseAddress, capacity: capacity)
        case .zstd?:
            return try decompressZstd(input, into: output.baseAddress, capacity: capacity)
        case nil:
            throw .unsupportedCompression(id)
        }
    }
}

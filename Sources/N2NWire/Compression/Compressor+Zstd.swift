import CZstd

extension Compressor {
    func compressZstd(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutableRawPointer, limit: Int)
        -> Int?
    {
        // zstd honours the capacity, so a result that would not be shorter simply fails early.
        let written = ZSTD_compress2(zstdCompressor, destination, limit, source, count)
        guard ZSTD_isError(written) == 0, written <= limit else { return nil }
        return written
    }

    func decompressZstd(_ input: UnsafeRawBufferPointer, into destination: UnsafeMutableRawPointer?, capacity: Int)
        throws(TransformError) -> Int
    {
        guard let source = input.baseAddress, input.count > 0, let destination, capacity > 0 else {
            throw .decompressionFailed(.zstd)
        }
        // One-shot decoding into the caller's buffer: a frame claiming more than `capacity` bytes is an
        // error, and no window buffer is allocated however large the frame header says the window is.
        let produced = ZSTD_decompressDCtx(zstdDecompressor, destination, capacity, source, input.count)
        guard ZSTD_isError(produced) == 0, produced <= capacity else { throw .decompressionFailed(.zstd) }
        return produced
    }
}

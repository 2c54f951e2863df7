import CLZO

// The system's LZO 2.10 codes the last 20 input bytes as literals, unlike the older miniLZO inside
// n2n 2.8, so its output for a frame can differ from (and be longer than) the reference's. Both are
// valid LZO1X streams: only the decoder's acceptance matters on the wire (spec 3.2).
extension Compressor {
    /// LZO1X's documented bound on the output for an incompressible input of `count` bytes.
    static func lzoWorstCase(_ count: Int) -> Int { count + count / 16 + 64 + 3 }

    /// `capacity` is the caller's whole buffer; `limit` the longest result worth keeping.
    func compressLZO(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutableRawPointer,
        capacity: Int, limit: Int) -> Int?
    {
        let direct = capacity >= Self.lzoWorstCase(count)
        guard direct || Self.lzoWorstCase(count) <= lzoScratch.count else { return nil }
        let target = direct ? destination : lzoScratch.baseAddress!
        // lzo_uint, not a 32-bit int: the reference passed an int* here (spec 10.1 item 3).
        var written: lzo_uint = 0
        let status = lzo1x_1_compress(
            UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: UInt8.self)), lzo_uint(count),
            target.assumingMemoryBound(to: UInt8.self), &written, lzoWorkMemory)
        guard status == LZO_E_OK, Int(written) <= limit else { return nil }
        if !direct { destination.copyMemory(from: target, byteCount: Int(written)) }
        return Int(written)
    }

    func decompressLZO(_ input: UnsafeRawBufferPointer, into destination: UnsafeMutableRawPointer?, capacity: Int)
        throws(TransformError) -> Int
    {
        guard let source = input.baseAddress, input.count > 0, let destination, capacity > 0 else {
            throw .decompressionFailed(.lzo)
        }
        // The bounds-checked decoder: it stops at `capacity` output bytes and at the input's end.
        var produced = lzo_uint(capacity)
        let status = lzo1x_decompress_safe(
            UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: UInt8.self)), lzo_uint(input.count),
            destination.assumingMemoryBound(to: UInt8.self), &produced, nil)
        guard status == LZO_E_OK, Int(produced) <= capacity else { throw .decompressionFailed(.lzo) }
        return Int(produced)
    }
}

import N2NWire

/// `EdgePayloadCodec` over a `PayloadTransform` and, optionally, a `Compressor` (spec 2, 3).
///
/// TX: with `compression` set, the frame is compressed first and the compressed form is used only
/// when strictly shorter (spec 3.2); the transform field then carries the compression id.
/// RX: id 0 decrypts straight into the caller's buffer; ids 1 and 2 decrypt into a scratch buffer
/// and decompress from there (bounded, spec 10.1 item 3); without a compressor, or for ids 3-7,
/// the packet is refused with `.unsupportedCompression` (a counted drop).
public final class TransformPayloadCodec: EdgePayloadCodec {
    public let transform: PayloadTransform
    public let compression: CompressionID
    let compressor: Compressor?
    /// Compressed frame on TX, decrypted-but-compressed payload on RX.
    let scratch: UnsafeMutableRawBufferPointer

    public init(transform: PayloadTransform, compression: CompressionID = .none, compressor: Compressor? = nil) {
        precondition(compression == .none || compressor != nil, "compression \(compression) needs a Compressor")
        self.transform = transform
        self.compression = compression
        self.compressor = compressor
        scratch = .allocate(byteCount: 2 * maxFrameLength, alignment: 16)
    }

    deinit { scratch.deallocate() }

    public var transformID: TransformID { transform.id }

    public func encode(frame: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> (length: Int, field: TransformField) {
        if compression != .none, let compressor,
           let n = compressor.compress(frame, into: scratch, using: compression) {
            let length = try transform.encode(UnsafeRawBufferPointer(rebasing: scratch[0..<n]), into: output)
            return (length, TransformField(transform: transform.id, compression: compression))
        }
        let length = try transform.encode(frame, into: output)
        return (length, TransformField(transform: transform.id))
    }

    public func decode(payload: UnsafeRawBufferPointer, field: TransformField, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        guard field.transformID == transform.id.rawValue else {
            throw .wrongTransform(received: field.transformID, expected: transform.id.rawValue)
        }
        let id = field.compressionID
        if id == 0 { return try transform.decode(payload, into: output) }
        guard let compressor, CompressionID(rawValue: id) != nil else { throw .unsupportedCompression(id) }
        let n = try transform.decode(payload, into: scratch)
        return try compressor.decompress(UnsafeRawBufferPointer(rebasing: scratch[0..<n]), into: output, id: id)
    }
}

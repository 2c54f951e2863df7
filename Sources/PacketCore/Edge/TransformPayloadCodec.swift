import N2NWire

/// `EdgePayloadCodec` over a bare `PayloadTransform`, without compression: it sends compression
/// id 0 and drops received packets that use another (spec 3.3). The frame pipeline with LZO/ZSTD
/// replaces it where compression is configured or must be decoded.
public final class TransformPayloadCodec: EdgePayloadCodec {
    public let transform: PayloadTransform

    public init(transform: PayloadTransform) {
        self.transform = transform
    }

    public var transformID: TransformID { transform.id }

    public func encode(frame: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> (length: Int, field: TransformField) {
        let n = try transform.encode(frame, into: output)
        return (n, TransformField(transform: transform.id))
    }

    public func decode(payload: UnsafeRawBufferPointer, field: TransformField, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        guard field.transformID == transform.id.rawValue else {
            throw .wrongTransform(received: field.transformID, expected: transform.id.rawValue)
        }
        guard field.compressionID == 0 else { throw .unsupportedCompression(field.compressionID) }
        return try transform.decode(payload, into: output)
    }
}

/// Transform 1, cleartext (spec 2.3): the payload is the frame.
public final class NullTransform: PayloadTransform {
    public var id: TransformID { .null }

    public init() {}

    public func maxEncodedLength(plaintextLength: Int) -> Int { plaintextLength }

    public func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(TransformError) -> Int
    {
        try Self.copy(plaintext, into: output)
    }

    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(TransformError) -> Int
    {
        // The reference returned -1 here on overflow and its caller used that as a length (spec 10.1 item 7).
        try Self.copy(payload, into: output)
    }

    private static func copy(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(TransformError) -> Int
    {
        guard output.count >= input.count else {
            throw .outputTooSmall(needed: input.count, available: output.count)
        }
        if let source = input.baseAddress, input.count > 0 {
            output.baseAddress!.copyMemory(from: source, byteCount: input.count)
        }
        return input.count
    }
}

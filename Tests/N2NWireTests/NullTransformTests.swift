import Testing

@testable import N2NWire

private typealias T = TransformTestSupport

@Suite struct NullTransformTests {
    @Test("payload is the frame, both ways", arguments: [0, 1, 60, 1290, 2048])
    func identity(length: Int) throws {
        let null = NullTransform()
        #expect(null.id == .null)
        #expect(null.maxEncodedLength(plaintextLength: length) == length)
        var generator = T.SeededGenerator(seed: UInt64(length))
        let frame = generator.bytes(length)
        let encoded = try frame.withUnsafeBytes { p in
            try T.withGuardedBuffer(capacity: length) { o in try null.encode(p, into: o) }
        }
        #expect(encoded.result == length && encoded.guardIntact && encoded.written == frame)
        let decoded = try frame.withUnsafeBytes { p in
            try T.withGuardedBuffer(capacity: length) { o in try null.decode(p, into: o) }
        }
        #expect(decoded.result == length && decoded.guardIntact && decoded.written == frame)
    }

    @Test("a short output is an error, not a -1 length (spec 10.1 item 7)")
    func outputTooSmall() {
        let null = NullTransform()
        let frame = [UInt8](repeating: 7, count: 60)
        #expect(T.decodeError(null, frame, capacity: 59) == .outputTooSmall(needed: 60, available: 59))
        let outcome = frame.withUnsafeBytes { p in
            T.withGuardedBuffer(capacity: 10) { o in T.error { () throws(TransformError) -> Int in try null.encode(p, into: o) } }
        }
        #expect(outcome.result == .outputTooSmall(needed: 60, available: 10))
        #expect(outcome.guardIntact)
    }
}

import Testing
import N2NWire
@testable import PacketCore

private func roundTrip(_ codec: TransformPayloadCodec, _ receiver: TransformPayloadCodec, frame: [UInt8]) throws -> (field: TransformField, payloadLength: Int, back: [UInt8]) {
    var payload = [UInt8](repeating: 0, count: 4096)
    let (n, field) = try frame.withUnsafeBytes { f in try payload.withUnsafeMutableBytes { try codec.encode(frame: f, into: $0) } }
    var back = [UInt8](repeating: 0, count: maxFrameLength)
    let m = try payload.withUnsafeBytes { p in
        try back.withUnsafeMutableBytes { try receiver.decode(payload: UnsafeRawBufferPointer(rebasing: p[0..<n]), field: field, into: $0) }
    }
    return (field, n, Array(back[..<m]))
}

@Test(arguments: [CompressionID.lzo, .zstd])
func compressibleFramesTravelCompressed(compression: CompressionID) throws {
    let random = SystemRandom()
    let key = Array("n2n-test-key".utf8)
    let sender = TransformPayloadCodec(transform: SpeckTransform(passphrase: key, random: random), compression: compression, compressor: Compressor())
    // A receiver without -z still decompresses (spec 3.3).
    let receiver = TransformPayloadCodec(transform: SpeckTransform(passphrase: key, random: random), compressor: Compressor())
    let compressible = Frames.ipv4(dst: macB, src: macA, srcIP: ipA, dstIP: ipB, extra: 1200)
    let a = try roundTrip(sender, receiver, frame: compressible)
    #expect(a.field == TransformField(transform: .speckCTR, compression: compression))
    #expect(a.payloadLength < compressible.count)
    #expect(a.back == compressible)
    // Incompressible: sent with id 0.
    let noise = FakeRandom(seed: 3).bytes(300)
    let b = try roundTrip(sender, receiver, frame: noise)
    #expect(b.field == TransformField(transform: .speckCTR))
    #expect(b.back == noise)
}

@Test func compressedPacketsNeedACompressorAndAKnownId() throws {
    let sender = TransformPayloadCodec(transform: NullTransform(), compression: .lzo, compressor: Compressor())
    let frame = [UInt8](repeating: 0, count: 500)
    #expect(throws: TransformError.unsupportedCompression(1)) {
        _ = try roundTrip(sender, TransformPayloadCodec(transform: NullTransform()), frame: frame)
    }
    let receiver = TransformPayloadCodec(transform: NullTransform(), compressor: Compressor())
    var payload = [UInt8](repeating: 0xEE, count: 40)
    var out = [UInt8](repeating: 0, count: maxFrameLength)
    for id: UInt16 in 3...7 {
        #expect(throws: TransformError.unsupportedCompression(UInt8(id))) {
            _ = try payload.withUnsafeBytes { p in
                try out.withUnsafeMutableBytes { try receiver.decode(payload: p, field: TransformField(rawValue: id << 13 | 1), into: $0) }
            }
        }
    }
    // Garbage that claims LZO or zstd is an error, not a crash.
    payload = FakeRandom(seed: 8).bytes(200)
    for id: UInt16 in 1...2 {
        let n = try? payload.withUnsafeBytes { p in
            try out.withUnsafeMutableBytes { try receiver.decode(payload: p, field: TransformField(rawValue: id << 13 | 1), into: $0) }
        }
        #expect((n ?? 0) <= maxFrameLength)
    }
}

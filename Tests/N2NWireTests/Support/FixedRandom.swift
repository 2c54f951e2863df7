import N2NWire

/// Hands out the given bytes in order, cycling, so encoders reproduce the spec's vectors.
final class FixedRandom: RandomSource {
    let bytes: [UInt8]
    private var position = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        for i in 0..<buffer.count {
            buffer[i] = bytes[position % bytes.count]
            position += 1
        }
    }
}

/// The stock programs' generator, xorshift128+ (v3 spec 2.3), as a `RandomSource` handing out each
/// output big-endian: the layout of a transform's 16-byte random block. Not cryptographic; it
/// exists to reproduce the stock test programs' IVs (they never seed it), not for sending.
public final class StockRandom: RandomSource {
    private var a: UInt64
    private var b: UInt64

    /// The unseeded state of a stock program.
    public init(a: UInt64 = 0x9E37_79B9_7F4A_7C15, b: UInt64 = 0xBF58_476D_1CE4_E5B9) {
        self.a = a
        self.b = b
    }

    public func next() -> UInt64 {
        var t = a
        let s = b
        a = s
        t ^= t << 23
        t ^= t >> 17
        t ^= s ^ (s >> 26)
        b = t
        return t &+ s
    }

    /// Whole outputs, each big-endian; a partial tail takes the leading bytes of one more output.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var i = 0
        while i < buffer.count {
            let v = next()
            for k in 0..<min(8, buffer.count - i) { buffer[i + k] = UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64(k))) }
            i += 8
        }
    }
}

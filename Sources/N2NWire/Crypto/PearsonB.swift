/// v3's "pearsonB" hash (v3 spec 2.1): independent 64-bit lanes, each a chain of Stafford's Mix13
/// mixer over the input's little-endian 8-byte words, then its tail bytes, then its length. Lane j
/// (1...4) is the same whatever the number of lanes computed, so H128 is the tail of H256.
public enum PearsonB {
    @inline(__always)
    static func permute(_ v: UInt64) -> UInt64 {
        var h = v
        h ^= h >> 30
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h >> 27
        h &*= 0x94D0_49BB_1331_11EB
        h ^= h >> 31
        return h
    }

    /// The four lane states. A struct, not variables captured by a local function: debug builds
    /// box captured variables on the heap, and this runs for every header-encrypted datagram.
    struct LaneState {
        var h1: UInt64 = 0, h2: UInt64 = 0, h3: UInt64 = 0, h4: UInt64 = 0
        let m: Int

        @inline(__always)
        mutating func mix(_ v: UInt64) {
            h1 = permute((h1 ^ v) &- 1)
            if m > 1 { h2 = permute((h2 ^ v) &- 2) }
            if m > 2 {
                h3 = permute((h3 ^ v) &- 3)
                h4 = permute((h4 ^ v) &- 4)
            }
        }

        @inline(__always)
        mutating func invert() { h1 = ~h1; h2 = ~h2; h3 = ~h3; h4 = ~h4 }
    }

    /// The lanes h₁...h_m (m = 1, 2 or 4) over `input`; lanes beyond m are left 0.
    @inline(__always)
    static func lanes(_ input: UnsafeRawBufferPointer, count m: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        var state = LaneState(m: m)
        let n = input.count
        var i = 0
        if let base = input.baseAddress {
            while i &+ 8 <= n {
                state.mix(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                i &+= 8
            }
        }
        state.invert()
        while i < n {
            state.mix(UInt64(input[i]))
            i &+= 1
        }
        state.invert()
        state.mix(UInt64(n))
        return (state.h1, state.h2, state.h3, state.h4)
    }

    /// H64: lane 1. Runs over every header-encrypted v3 datagram (the checksum).
    public static func hash64(_ input: UnsafeRawBufferPointer) -> UInt64 { lanes(input, count: 1).0 }

    /// H128 into the first 16 bytes of `output`: BE64(h₂) ‖ BE64(h₁).
    public static func hash128(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= 16, "H128 needs a 16-byte output buffer")
        let h = lanes(input, count: 2)
        output.storeBytes(of: h.1.bigEndian, toByteOffset: 0, as: UInt64.self)
        output.storeBytes(of: h.0.bigEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// H256 into the first 32 bytes of `output`: BE64(h₄) ‖ BE64(h₃) ‖ BE64(h₂) ‖ BE64(h₁).
    public static func hash256(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= 32, "H256 needs a 32-byte output buffer")
        let h = lanes(input, count: 4)
        output.storeBytes(of: h.3.bigEndian, toByteOffset: 0, as: UInt64.self)
        output.storeBytes(of: h.2.bigEndian, toByteOffset: 8, as: UInt64.self)
        output.storeBytes(of: h.1.bigEndian, toByteOffset: 16, as: UInt64.self)
        output.storeBytes(of: h.0.bigEndian, toByteOffset: 24, as: UInt64.self)
    }

    public static func hash64(_ input: some Collection<UInt8>) -> UInt64 { contiguous(input) { hash64($0) } }

    /// H128 as a new array (keying, not the per-packet path).
    public static func hash128(_ input: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        contiguous(input) { bytes in out.withUnsafeMutableBytes { hash128(bytes, into: $0) } }
        return out
    }

    /// H256 as a new array (keying, not the per-packet path).
    public static func hash256(_ input: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        contiguous(input) { bytes in out.withUnsafeMutableBytes { hash256(bytes, into: $0) } }
        return out
    }

    private static func contiguous<R>(_ input: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let r = input.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return r }
        return Array(input).withUnsafeBytes(body)
    }
}

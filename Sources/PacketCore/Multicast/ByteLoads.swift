// Big-endian loads at an offset the caller has already bounds-checked (UnsafeRawBufferPointer's own
// checks are gone in release builds, so every parser checks lengths before it reads).

@inline(__always)
func load16(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
    UInt16(b[offset]) << 8 | UInt16(b[offset + 1])
}

@inline(__always)
func load32(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(load16(b, offset)) << 16 | UInt32(load16(b, offset + 2))
}

@inline(__always)
func load64(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
    UInt64(load32(b, offset)) << 32 | UInt64(load32(b, offset + 4))
}

@inline(__always)
func loadV6(_ b: UnsafeRawBufferPointer, _ offset: Int) -> InetAddress {
    .v6(load64(b, offset), load64(b, offset + 8))
}

@inline(__always)
func store16(_ b: UnsafeMutableRawBufferPointer, _ offset: Int, _ value: UInt16) {
    b[offset] = UInt8(truncatingIfNeeded: value >> 8)
    b[offset + 1] = UInt8(truncatingIfNeeded: value)
}

@inline(__always)
func store32(_ b: UnsafeMutableRawBufferPointer, _ offset: Int, _ value: UInt32) {
    store16(b, offset, UInt16(truncatingIfNeeded: value >> 16))
    store16(b, offset + 2, UInt16(truncatingIfNeeded: value))
}

@inline(__always)
func store64(_ b: UnsafeMutableRawBufferPointer, _ offset: Int, _ value: UInt64) {
    store32(b, offset, UInt32(truncatingIfNeeded: value >> 32))
    store32(b, offset + 4, UInt32(truncatingIfNeeded: value))
}

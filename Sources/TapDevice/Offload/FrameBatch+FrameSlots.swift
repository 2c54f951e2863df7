import LinuxSystem

// Kept in its own file: the fuzz build compiles the Offload folder without FrameBatch and skips this one.

/// A batch's free slots, each starting after the batch's headroom (so a caller can still prepend the
/// n2n header in place).
extension FrameBatch: FrameSlots {
    public var freeSlotCount: Int { capacity - count }
    public var slotCapacity: Int { frameCapacity }

    public func nextFreeSlot() -> UnsafeMutableRawBufferPointer {
        precondition(count < capacity, "slot index out of range")
        return nextFreeBuffer()
    }

    public func commitSlot(length: Int) { commitNext(length: length) }
}

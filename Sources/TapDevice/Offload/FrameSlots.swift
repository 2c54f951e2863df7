/// Where the segmenter writes its output frames: a run of preallocated, equally sized slots owned by
/// the caller (a `FrameBatch`, or anything else that hands out buffers), so segmentation never allocates.
public protocol FrameSlots {
    /// How many more frames fit.
    var freeSlotCount: Int { get }
    /// Bytes each free slot holds.
    var slotCapacity: Int { get }
    /// The buffer of the next free slot (`slotCapacity` bytes); valid until `commitSlot`.
    mutating func nextFreeSlot() -> UnsafeMutableRawBufferPointer
    /// Counts the next free slot as holding a frame of `length` bytes.
    mutating func commitSlot(length: Int)
}

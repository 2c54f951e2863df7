/// A preallocated set of Ethernet frame buffers, filled by `TapDevice.read(into:)` and
/// drained by `TapDevice.write(_:)`. Memory is allocated once in `init`; filling, reading
/// and clearing never allocate.
///
/// Each slot is `headroom + frameCapacity` bytes. A frame normally starts after the headroom,
/// so a caller can later prepend a header in place by moving the frame's start back
/// (`setFrame(_:offset:length:)`).
public final class FrameBatch {
    public let capacity: Int
    public let frameCapacity: Int
    public let headroom: Int
    /// Frames 0..<count hold data.
    public var count: Int { filled }
    @usableFromInline var filled: Int = 0

    @usableFromInline let stride: Int
    @usableFromInline let storage: UnsafeMutableRawPointer
    @usableFromInline let offsets: UnsafeMutablePointer<Int>
    @usableFromInline let lengths: UnsafeMutablePointer<Int>

    public init(capacity: Int = 64, frameCapacity: Int = 2048, headroom: Int = 0) {
        precondition(capacity > 0 && frameCapacity > 0 && headroom >= 0, "FrameBatch sizes must be positive")
        self.capacity = capacity
        self.frameCapacity = frameCapacity
        self.headroom = headroom
        stride = (headroom + frameCapacity + 63) & ~63
        storage = UnsafeMutableRawPointer.allocate(byteCount: stride * capacity, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: stride * capacity)
        offsets = .allocate(capacity: capacity)
        offsets.initialize(repeating: headroom, count: capacity)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
    }

    deinit {
        storage.deallocate()
        offsets.deallocate()
        lengths.deallocate()
    }

    public var isFull: Bool { count == capacity }

    /// The bytes of frame `index` (index < count).
    @inlinable
    public subscript(index: Int) -> UnsafeMutableRawBufferPointer {
        precondition(index >= 0 && index < count, "frame index out of range")
        return UnsafeMutableRawBufferPointer(start: storage + index * stride + offsets[index], count: lengths[index])
    }

    /// The whole slot `index`, headroom included (index < capacity).
    @inlinable
    public func slot(_ index: Int) -> UnsafeMutableRawBufferPointer {
        precondition(index >= 0 && index < capacity, "slot index out of range")
        return UnsafeMutableRawBufferPointer(start: storage + index * stride, count: headroom + frameCapacity)
    }

    /// Moves frame `index`'s window within its slot, e.g. after prepending a header.
    @inlinable
    public func setFrame(_ index: Int, offset: Int, length: Int) {
        precondition(index >= 0 && index < count, "frame index out of range")
        precondition(offset >= 0 && length >= 0 && offset + length <= headroom + frameCapacity, "frame outside its slot")
        offsets[index] = offset
        lengths[index] = length
    }

    /// Copies `bytes` into the next free slot; false when full or `bytes` is too long.
    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard count < capacity, bytes.count <= frameCapacity else { return false }
        let start = storage + count * stride + headroom
        if let base = bytes.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) }
        offsets[count] = headroom
        lengths[count] = bytes.count
        filled += 1
        return true
    }

    /// Lets `fill` write a frame straight into the next free slot (`frameCapacity` bytes after
    /// the headroom); it returns the frame's length, or 0 to leave the slot free.
    /// Returns false when the batch is full.
    @inlinable
    @discardableResult
    public func appendFrame<E: Error>(_ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) -> Bool {
        guard count < capacity else { return false }
        let buffer = UnsafeMutableRawBufferPointer(start: storage + count * stride + headroom, count: frameCapacity)
        let length = try fill(buffer)
        guard length > 0 else { return true }
        precondition(length <= frameCapacity, "frame longer than its slot")
        offsets[count] = headroom
        lengths[count] = length
        filled += 1
        return true
    }

    public func removeAll() { filled = 0 }

    /// The free area of the next slot (for readers that fill it and then commit).
    public func nextFreeBuffer() -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: storage + count * stride + headroom, count: frameCapacity)
    }

    /// Counts the next free slot as filled by a reader (e.g. recvmmsg into `slot(count)` after the
    /// headroom) with `length` bytes, cut to `frameCapacity`.
    public func commitNext(length: Int) {
        precondition(count < capacity, "batch is full")
        offsets[count] = headroom
        lengths[count] = min(length, frameCapacity)
        filled += 1
    }
}

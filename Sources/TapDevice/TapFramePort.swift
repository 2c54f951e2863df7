import LinuxSystem

/// The edge's view of a TAP queue: plain Ethernet frames in both directions, whatever the queue
/// carries. With the virtio-net header on, a super-frame read (up to 64 KiB of one TCP or UDP
/// flow) is cut into MTU-sized frames by `Segmenter`, partial checksums are completed, and frames
/// to write are merged by `Coalescer` into super-frames the kernel takes in one write. Without it,
/// frames pass as they are. It owns the buffers; the queue is passed in, so a replaced queue
/// keeps the same port. One thread drives it; nothing allocates after `init`.
public final class TapFramePort {
    /// True when the queue's frames carry a virtio-net header.
    public let virtioHeader: Bool
    let reads: FrameBatch
    let segments: FrameBatch
    let writes: FrameBatch
    let coalescer: Coalescer?

    /// Super-frames that could not be cut (malformed, or more segments than a batch holds).
    public private(set) var segmentationErrors = 0
    public private(set) var lastSegmentationError: OffloadError?
    /// Reads that produced more than one frame, and the frames they produced.
    public private(set) var superFramesRead = 0
    public private(set) var segmentsProduced = 0
    /// Frames written merged into a larger one.
    public private(set) var framesCoalesced = 0

    /// The largest super-frame the kernel hands over: a 64 KiB IP packet behind Ethernet.
    public static let superFrameCapacity = VirtioNetHeader.size + FrameLayout.ethernetLength + 65535

    public init(virtioHeader: Bool, readBatch: Int, writeBatch: Int, frameCapacity: Int) {
        self.virtioHeader = virtioHeader
        reads = FrameBatch(capacity: readBatch, frameCapacity: virtioHeader ? Self.superFrameCapacity : frameCapacity)
        // A 64 KiB super-frame of the smallest segments the kernel makes stays within this.
        segments = FrameBatch(capacity: virtioHeader ? 128 : 1, frameCapacity: frameCapacity)
        writes = FrameBatch(capacity: writeBatch, frameCapacity: frameCapacity)
        coalescer = virtioHeader ? Coalescer() : nil
    }

    public var readCapacity: Int { reads.capacity }
    public var frameCapacity: Int { writes.frameCapacity }
    /// Frames waiting for the next `flush`.
    public var queuedFrames: Int { writes.count }

    // MARK: - TAP -> frames

    /// Reads what `queue` has waiting (at most `readCapacity` reads, or `limit`) and hands every plain frame
    /// to `body`, in order. Returns the number of reads. When the round mixes `UrgentFrame`s with
    /// other reads, the urgent ones go to `body` first and `urgentDone` runs before the rest, so the
    /// caller can send them before it cuts and seals the bulk (frames of one TCP flow keep their
    /// order: only frames without data qualify).
    @discardableResult
    public func read(from queue: TapQueue, limit: Int = .max, _ body: (UnsafeRawBufferPointer) -> Void,
                     urgentDone: () -> Void = {}) throws(Errno) -> Int {
        let n = try queue.read(into: reads, limit: limit)
        var early: UInt64 = 0
        if n > 1, n <= 64 {
            for i in 0..<n where isUrgent(reads[i]) { early |= 1 << UInt64(i) }
            if early.nonzeroBitCount == n { early = 0 }   // nothing to overtake
        }
        if early != 0 {
            for i in 0..<n where early & (1 << UInt64(i)) != 0 { deliverRead(reads[i], body) }
            urgentDone()
        }
        for i in 0..<n where early & (1 << UInt64(i)) == 0 { deliverRead(reads[i], body) }
        return n
    }

    private func deliverRead(_ raw: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard virtioHeader else { return body(UnsafeRawBufferPointer(raw)) }
        deliver(raw, body)
    }

    /// A read that is one plain frame (not a super-frame) and an `UrgentFrame`.
    private func isUrgent(_ raw: UnsafeMutableRawBufferPointer) -> Bool {
        guard virtioHeader else { return UrgentFrame.qualifies(UnsafeRawBufferPointer(raw)) }
        let headerSize = VirtioNetHeader.size
        guard raw.count > headerSize,
              let header = try? VirtioNetHeader(parsing: UnsafeRawBufferPointer(rebasing: raw[..<headerSize])),
              header.gsoType == .none
        else { return false }
        return UrgentFrame.qualifies(UnsafeRawBufferPointer(rebasing: raw[headerSize...]))
    }

    private func deliver(_ raw: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        let headerSize = VirtioNetHeader.size
        guard raw.count > headerSize else { return }
        let frame = UnsafeMutableRawBufferPointer(rebasing: raw[headerSize...])
        do throws(OffloadError) {
            let header = try VirtioNetHeader(parsing: UnsafeRawBufferPointer(rebasing: raw[..<headerSize]))
            if header.gsoType == .none {
                if header.needsChecksum { try Segmenter.completeChecksum(frame, header: header) }
                body(UnsafeRawBufferPointer(frame))
                return
            }
            segments.removeAll()
            var slots = segments
            let count = try Segmenter.segment(UnsafeRawBufferPointer(frame), header: header, into: &slots)
            superFramesRead &+= 1
            segmentsProduced &+= count
            for s in 0..<segments.count { body(UnsafeRawBufferPointer(segments[s])) }
        } catch {
            segmentationErrors &+= 1
            lastSegmentationError = error
        }
    }

    // MARK: - frames -> TAP

    /// Lets `fill` write one frame into the next slot (it returns the length, 0 for none); a full
    /// batch goes to `queue` first.
    public func writeFrame(to queue: TapQueue?, _ fill: (UnsafeMutableRawBufferPointer) -> Int) throws(Errno) {
        if writes.isFull { try flush(to: queue) }
        _ = writes.appendFrame(fill)
    }

    /// Writes every queued frame to `queue` (dropped when there is none), merged where the
    /// coalescer can, and empties the batch.
    public func flush(to queue: TapQueue?) throws(Errno) {
        defer { writes.removeAll() }
        guard writes.count > 0, let queue else { return }
        guard let coalescer else {
            try queue.write(writes)
            return
        }
        var failure: Errno?
        func emit(_ header: UnsafeRawBufferPointer, _ frame: UnsafeRawBufferPointer) {
            guard failure == nil else { return }
            do throws(Errno) { try queue.write(header: header, frame: frame) } catch { failure = error }
        }
        for i in 0..<writes.count {
            switch coalescer.offer(UnsafeRawBufferPointer(writes[i]), emit: emit) {
            case .merged, .mergedAndFlushed: framesCoalesced &+= 1
            case .held, .passedThrough: break
            }
        }
        coalescer.flush(emit: emit)
        if let failure { throw failure }
    }
}

import LinuxSystem
import PacketCore

/// The engine's `FrameSink` on the TAP: frames are opened straight into the slots of a
/// `FrameBatch` and written when the runtime flushes, or when the batch fills up.
final class TapFrameSink: FrameSink {
    let batch: FrameBatch
    /// Writes the batch's frames to the TAP queue (the runtime owns the queue).
    private let write: (FrameBatch) -> Void

    init(capacity: Int, frameCapacity: Int, write: @escaping (FrameBatch) -> Void) {
        batch = FrameBatch(capacity: capacity, frameCapacity: frameCapacity)
        self.write = write
    }

    var frameCapacity: Int { batch.frameCapacity }

    func writeFrame(_ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        if batch.isFull { flush() }
        _ = batch.appendFrame(fill)
    }

    func flush() {
        guard batch.count > 0 else { return }
        write(batch)
        batch.removeAll()
    }
}

import LinuxSystem
import PacketCore
import TapDevice

/// The engine's `FrameSink` on the TAP: frames are opened straight into the slots of a worker's
/// `TapFramePort` and written (merged, with offloads on) when the worker flushes, or when the
/// batch fills up. `queue` gives the queue of the moment (the runtime replaces a failed one).
final class TapFrameSink: FrameSink {
    let port: TapFramePort
    let queue: () -> TapQueue?

    init(port: TapFramePort, queue: @escaping () -> TapQueue?) {
        self.port = port
        self.queue = queue
    }

    var frameCapacity: Int { port.frameCapacity }

    func writeFrame(_ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        // A write error shows at the next flush, which logs it.
        try? port.writeFrame(to: queue(), fill)
    }
}

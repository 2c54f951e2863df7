import LinuxSystem
import PacketCore
import TapDevice

/// The engine's `FrameSink` on the TAP: frames are opened straight into the slots of the
/// runtime's `TapFramePort` and written (merged, with offloads on) when the runtime flushes, or
/// when the batch fills up.
final class TapFrameSink: FrameSink {
    let port: TapFramePort
    unowned let runtime: EdgeRuntime

    init(port: TapFramePort, runtime: EdgeRuntime) {
        self.port = port
        self.runtime = runtime
    }

    var frameCapacity: Int { port.frameCapacity }

    func writeFrame(_ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        do { try port.writeFrame(to: runtime.tap, fill) } catch {
            runtime.logger.error("TAP write failed: \(error)")
        }
    }
}

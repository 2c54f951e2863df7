import CN2NLinux
import Glibc
import Synchronization

/// Wakes or stops an `EventLoop` from any thread, and from signal handlers: both calls only
/// store an atomic flag and write(2) to an eventfd, which are async-signal-safe.
///
/// The waker owns the eventfd and outlives nothing it does not own, so a late `wake()` after
/// the loop is gone writes to its own still-open descriptor, never a reused one.
public final class EventLoopWaker: Sendable {
    let descriptor: Int32
    let stopFlag = Atomic<Bool>(false)

    init() throws(Errno) {
        descriptor = try systemCall("eventfd") { eventfd(0, cn2n_EFD_NONBLOCK | cn2n_EFD_CLOEXEC) }
    }

    deinit { _ = Glibc.close(descriptor) }

    /// Makes the loop's current or next wait return at once.
    public func wake() {
        var one: UInt64 = 1
        // EAGAIN means the counter is already nonzero: the loop is awake anyway.
        _ = Glibc.write(descriptor, &one, MemoryLayout<UInt64>.size)
    }

    /// Asks the loop to return from `run()` after the current iteration.
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        wake()
    }

    public var isStopRequested: Bool { stopFlag.load(ordering: .acquiring) }

    func drain() {
        var value: UInt64 = 0
        _ = Glibc.read(descriptor, &value, MemoryLayout<UInt64>.size)
    }
}

import CN2NLinux
import Glibc

/// An epoll instance with a preallocated event array. Each registered descriptor carries a
/// 64-bit token that `wait` hands back, so the caller finds its handler without a lookup
/// by descriptor.
public final class Epoll {
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let readable = Events(rawValue: cn2n_EPOLLIN)
        public static let writable = Events(rawValue: cn2n_EPOLLOUT)
        /// Reported whether asked for or not.
        public static let error = Events(rawValue: cn2n_EPOLLERR)
        /// Reported whether asked for or not.
        public static let hangup = Events(rawValue: cn2n_EPOLLHUP)
        public static let readHangup = Events(rawValue: cn2n_EPOLLRDHUP)
        public static let edgeTriggered = Events(rawValue: cn2n_EPOLLET)
    }

    public let descriptor: FileDescriptor
    public let maxEvents: Int
    let events: UnsafeMutablePointer<epoll_event>
    /// Events 0..<ready of the last `wait`.
    public private(set) var ready = 0

    public init(maxEvents: Int = 64) throws(Errno) {
        precondition(maxEvents > 0, "maxEvents must be positive")
        descriptor = try FileDescriptor("epoll_create1") { epoll_create1(cn2n_EPOLL_CLOEXEC) }
        self.maxEvents = maxEvents
        events = .allocate(capacity: maxEvents)
        events.initialize(repeating: epoll_event(), count: maxEvents)
    }

    deinit { events.deallocate() }

    public func add(_ fd: Int32, events: Events, token: UInt64) throws(Errno) {
        try control(EPOLL_CTL_ADD, fd, events, token, "epoll_ctl(ADD)")
    }

    public func modify(_ fd: Int32, events: Events, token: UInt64) throws(Errno) {
        try control(EPOLL_CTL_MOD, fd, events, token, "epoll_ctl(MOD)")
    }

    public func remove(_ fd: Int32) throws(Errno) {
        try control(EPOLL_CTL_DEL, fd, [], 0, "epoll_ctl(DEL)")
    }

    private func control(_ op: Int32, _ fd: Int32, _ mask: Events, _ token: UInt64, _ call: StaticString) throws(Errno) {
        var event = epoll_event()
        event.events = mask.rawValue
        event.data.u64 = token
        let epfd = descriptor.rawValue
        _ = try systemCall(call) { epoll_ctl(epfd, op, fd, &event) }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever, 0: poll) and returns how many events
    /// are ready; read them with `event(_:)`. An interrupting signal returns 0 instead of
    /// restarting, so the caller can re-check its deadlines and stop flag.
    @discardableResult
    public func wait(timeoutMilliseconds: Int32) throws(Errno) -> Int {
        ready = 0
        let fd = descriptor.rawValue
        ready = Int(try systemCallUnlessInterrupted("epoll_wait") {
            epoll_wait(fd, events, Int32(maxEvents), timeoutMilliseconds)
        } ?? 0)
        return ready
    }

    /// As `wait(timeoutMilliseconds:)` with nanosecond precision (epoll_pwait2, Linux 5.11+;
    /// on older kernels the timeout is rounded up to whole milliseconds). nil waits forever.
    @discardableResult
    public func wait(timeoutNanoseconds: UInt64?) throws(Errno) -> Int {
        guard let timeout = timeoutNanoseconds else { return try wait(timeoutMilliseconds: -1) }
        if !Epoll.fineTimeoutUnavailable {
            var spec = timespec(tv_sec: Int(timeout / 1_000_000_000), tv_nsec: Int(timeout % 1_000_000_000))
            ready = 0
            let fd = descriptor.rawValue
            do {
                ready = Int(try systemCallUnlessInterrupted("epoll_pwait2") {
                    epoll_pwait2(fd, events, Int32(maxEvents), &spec, nil)
                } ?? 0)
                return ready
            } catch where error.code == ENOSYS {
                Epoll.fineTimeoutUnavailable = true
            }
        }
        let milliseconds = min((timeout + 999_999) / 1_000_000, UInt64(Int32.max))
        return try wait(timeoutMilliseconds: Int32(milliseconds))
    }

    /// Set once if the kernel lacks epoll_pwait2; racing writers all store `true`.
    nonisolated(unsafe) static var fineTimeoutUnavailable = false

    /// Event `index` (< the last `wait`'s result).
    @inlinable
    public func event(_ index: Int) -> (token: UInt64, events: Events) {
        let (token, mask) = rawEvent(index)
        return (token, Events(rawValue: mask))
    }

    @usableFromInline
    func rawEvent(_ index: Int) -> (UInt64, UInt32) {
        precondition(index >= 0 && index < ready, "epoll event index out of range")
        let event = events[index]
        return (event.data.u64, event.events)
    }
}

import CN2NLinux
import Glibc

/// Identifies a descriptor registered with an `EventLoop`.
public struct IORegistration: Hashable, Sendable {
    public let descriptor: Int32
    let slot: UInt32
    let generation: UInt32

    var token: UInt64 { UInt64(generation) << 32 | UInt64(slot) }
}

/// A single-threaded event loop: epoll for descriptors, a timer heap whose earliest deadline
/// is the epoll timeout (nanosecond precision), an eventfd to wake or stop it from other
/// threads or signal handlers, and optional signal handling through a self-pipe.
///
/// Create it, register and schedule on the thread that calls `run()`. Handlers capture
/// what they need; to avoid a retain cycle, capture the loop itself `unowned`. Waiting,
/// dispatching and re-arming repeating timers allocate nothing.
public final class EventLoop {
    public let epoll: Epoll
    /// Wake or stop the loop from any thread (or a signal handler).
    public let waker: EventLoopWaker
    /// CLOCK_MONOTONIC nanoseconds, refreshed after every wait: "now" for this iteration.
    public private(set) var now: UInt64

    private struct IOSlot {
        var descriptor: Int32 = -1
        var handler: ((Epoll.Events) -> Void)?
        var generation: UInt32 = 0
    }

    private var ioSlots: [IOSlot] = []
    private var freeIOSlots: [UInt32] = []
    private var timers = TimerQueue()
    private var signalRelay: SignalRelay?
    private var signalHandlers: [Int32: (Int32) -> Void] = [:]

    private static let wakeToken = UInt64.max
    private static let signalToken = UInt64.max - 1

    /// The clock deadlines are measured on (the engines' clock, so both agree on "now").
    public let clock: any MonotonicClock

    public init(maxEvents: Int = 64, clock: any MonotonicClock = SystemClock()) throws(Errno) {
        self.clock = clock
        epoll = try Epoll(maxEvents: maxEvents)
        waker = try EventLoopWaker()
        now = UInt64(clamping: clock.monotonicNanoseconds)
        ioSlots.reserveCapacity(16)
        try epoll.add(waker.descriptor, events: .readable, token: EventLoop.wakeToken)
    }

    public var nowMilliseconds: UInt64 { now / 1_000_000 }

    /// Re-reads the clock (the loop does this after each wait).
    @discardableResult
    public func updateNow() -> UInt64 {
        now = UInt64(clamping: clock.monotonicNanoseconds)
        return now
    }

    // MARK: descriptors

    /// Watches `descriptor` for `events`; `handler` gets the events that occurred. The loop
    /// does not own the descriptor: unregister before closing it.
    @discardableResult
    public func register(
        _ descriptor: Int32, events: Epoll.Events = .readable, _ handler: @escaping (Epoll.Events) -> Void
    ) throws(Errno) -> IORegistration {
        let slot: UInt32
        if let free = freeIOSlots.popLast() {
            slot = free
        } else {
            slot = UInt32(ioSlots.count)
            ioSlots.append(IOSlot())
        }
        let registration = IORegistration(descriptor: descriptor, slot: slot, generation: ioSlots[Int(slot)].generation)
        do {
            try epoll.add(descriptor, events: events, token: registration.token)
        } catch {
            freeIOSlots.append(slot)
            throw error
        }
        ioSlots[Int(slot)].descriptor = descriptor
        ioSlots[Int(slot)].handler = handler
        return registration
    }

    public func modify(_ registration: IORegistration, events: Epoll.Events) throws(Errno) {
        guard isCurrent(registration) else { throw Errno(code: ENOENT, call: "EventLoop.modify") }
        try epoll.modify(registration.descriptor, events: events, token: registration.token)
    }

    /// Stops watching; events already collected for it in this iteration are dropped.
    public func unregister(_ registration: IORegistration) throws(Errno) {
        guard isCurrent(registration) else { return }
        let index = Int(registration.slot)
        ioSlots[index].handler = nil
        ioSlots[index].descriptor = -1
        ioSlots[index].generation &+= 1
        freeIOSlots.append(registration.slot)
        try epoll.remove(registration.descriptor)
    }

    private func isCurrent(_ registration: IORegistration) -> Bool {
        let index = Int(registration.slot)
        return index < ioSlots.count && ioSlots[index].generation == registration.generation
            && ioSlots[index].descriptor >= 0
    }

    // MARK: timers

    /// Runs `action` once after `delay`, or every `interval` starting after `delay`.
    /// A repeating timer that falls behind skips the missed ticks instead of bursting.
    @discardableResult
    public func schedule(after delay: Duration, repeating interval: Duration? = nil, _ action: @escaping () -> Void) -> TimerID {
        schedule(atNanoseconds: UInt64(clamping: clock.monotonicNanoseconds) &+ delay.clampedNanoseconds, repeating: interval, action)
    }

    /// As `schedule(after:)` with an absolute CLOCK_MONOTONIC deadline.
    @discardableResult
    public func schedule(atNanoseconds deadline: UInt64, repeating interval: Duration? = nil, _ action: @escaping () -> Void) -> TimerID {
        var period: UInt64 = 0
        if let interval {
            period = interval.clampedNanoseconds
            precondition(period > 0, "a repeating timer needs a positive interval")
        }
        return timers.schedule(deadline: deadline, interval: period, action: action)
    }

    /// As `schedule(after:)`, calling `handler.timerFired(_:)`; the loop holds the handler weakly.
    @discardableResult
    public func schedule(after delay: Duration, repeating interval: Duration? = nil, handler: some TimerHandler) -> TimerID {
        var id: TimerID?
        id = schedule(after: delay, repeating: interval) { [weak handler] in
            if let handler, let id { handler.timerFired(id) }
        }
        return id!
    }

    /// Cancels a timer; false if it had already fired (one-shot) or been cancelled.
    @discardableResult
    public func cancel(_ timer: TimerID) -> Bool { timers.cancel(timer) }

    /// Moves a live timer's next expiry to `delay` from now (a repeating one keeps its interval).
    @discardableResult
    public func reschedule(_ timer: TimerID, after delay: Duration) -> Bool {
        timers.reschedule(timer, deadline: UInt64(clamping: clock.monotonicNanoseconds) &+ delay.clampedNanoseconds)
    }

    public func isScheduled(_ timer: TimerID) -> Bool { timers.isActive(timer) }

    /// The next expiry of a live timer (CLOCK_MONOTONIC nanoseconds).
    public func deadline(of timer: TimerID) -> UInt64? { timers.deadline(of: timer) }

    public var scheduledTimerCount: Int { timers.activeCount }

    // MARK: signals

    /// Runs `handler` on the loop thread when any of `signals` arrives. SIGINT/SIGTERM/SIGHUP
    /// and the like; the previous dispositions come back with `stopHandlingSignals()` or when
    /// the loop is released. One loop per process should handle signals.
    ///
    /// Signals from kill(1) or the terminal are process-directed and reach any thread that
    /// does not block them; a signal raised for one particular thread (raise(3),
    /// pthread_kill) waits while that thread blocks it, as thread-pool threads often do.
    public func onSignals(_ signals: [Int32], _ handler: @escaping (Int32) -> Void) throws(Errno) {
        if signalRelay == nil {
            let relay = try SignalRelay()
            try epoll.add(relay.readEnd.rawValue, events: .readable, token: EventLoop.signalToken)
            signalRelay = relay
        }
        for signal in signals {
            signalHandlers[signal] = handler
            try signalRelay!.install(signal)
        }
    }

    /// SIGINT and SIGTERM stop the loop; SIGHUP calls `hangup` when given.
    public func stopOnTerminationSignals(hangup: (() -> Void)? = nil) throws(Errno) {
        let waker = self.waker
        try onSignals([SIGINT, SIGTERM]) { _ in waker.stop() }
        if let hangup { try onSignals([SIGHUP]) { _ in hangup() } }
    }

    public func stopHandlingSignals() {
        guard let relay = signalRelay else { return }
        relay.uninstall()
        try? epoll.remove(relay.readEnd.rawValue)
        signalRelay = nil
        signalHandlers.removeAll()
    }

    // MARK: running

    /// Asks `run()` to return after the current iteration (any thread: `waker.stop()`).
    public func stop() { waker.stop() }

    /// Dispatches descriptor events and timers until `stop()`. The stop request is consumed
    /// on return, so `run()` can be called again.
    public func run() throws(Errno) {
        while !waker.isStopRequested {
            try runOnce()
        }
        waker.stopFlag.store(false, ordering: .releasing)
    }

    /// One iteration: wait for events until the next timer deadline (at most `maxWait` when
    /// given; `.zero` polls), dispatch them, then fire every timer due.
    public func runOnce(maxWait: Duration? = nil) throws(Errno) {
        var timeout: UInt64? = nil
        if let deadline = timers.nextDeadline() {
            let current = UInt64(clamping: clock.monotonicNanoseconds)
            timeout = deadline > current ? deadline - current : 0
        }
        if let maxWait {
            let limit = maxWait.clampedNanoseconds
            timeout = min(timeout ?? limit, limit)
        }
        if waker.isStopRequested { timeout = 0 }

        let ready = try epoll.wait(timeoutNanoseconds: timeout)
        updateNow()
        for i in 0..<ready {
            let (token, mask) = epoll.rawEvent(i)
            switch token {
            case EventLoop.wakeToken:
                waker.drain()
            case EventLoop.signalToken:
                dispatchSignals()
            default:
                let slot = Int(UInt32(truncatingIfNeeded: token))
                let generation = UInt32(truncatingIfNeeded: token >> 32)
                guard slot < ioSlots.count, ioSlots[slot].generation == generation,
                    let handler = ioSlots[slot].handler
                else { continue }
                handler(Epoll.Events(rawValue: mask))
            }
        }
        fireDueTimers()
    }

    private func fireDueTimers() {
        updateNow()
        let mark = timers.sequenceMark
        while let (_, action) = timers.popDue(now: now, before: mark) {
            action()
        }
    }

    private func dispatchSignals() {
        guard let relay = signalRelay else { return }
        relay.drain { signal in signalHandlers[signal]?(signal) }
    }

    deinit {
        signalRelay?.uninstall()
    }
}

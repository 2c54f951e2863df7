import Glibc
import N2NWire
import Synchronization
import Testing
import LinuxSystem
@testable import PacketCore

/// Runs `body` on a new OS thread (not the test's concurrency pool, which a blocked loop
/// could starve). The caller joins with `pthread_join`.
func spawnThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    final class Box: @unchecked Sendable {  // handed to exactly one thread, then released there
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! Box
        box.body()
        return nil
    }, context)
    precondition(result == 0, "pthread_create failed")
    return thread
}

/// Stops `loop` after `seconds` whatever happens, so a broken test fails instead of hanging.
@discardableResult
func guardTimer(_ loop: EventLoop, seconds: Int = 5, fired: (() -> Void)? = nil) -> TimerID {
    loop.schedule(after: .seconds(seconds)) { [unowned loop] in
        fired?()
        loop.stop()
    }
}

@Suite struct LoopTests {
    @Test func oneShotTimersFireInDeadlineOrderAndOnTime() throws {
        let loop = try EventLoop()
        var fired: [(label: Int, at: UInt64)] = []
        var deadlines: [Int: UInt64] = [:]
        let delays = [50, 10, 30, 20, 40, 30]  // two at 30 ms: first scheduled fires first
        for (label, ms) in delays.enumerated() {
            let id = loop.schedule(after: .milliseconds(ms)) { [unowned loop] in
                fired.append((label, loop.updateNow()))
                if fired.count == delays.count { loop.stop() }
            }
            deadlines[label] = loop.deadline(of: id)
        }
        var timedOut = false
        guardTimer(loop) { timedOut = true }
        try loop.run()

        #expect(!timedOut)
        #expect(fired.map(\.label) == [1, 3, 2, 5, 4, 0])
        for event in fired {
            let deadline = try #require(deadlines[event.label])
            #expect(event.at >= deadline, "timer \(event.label) fired early")
            // A shared 2-core machine: allow scheduling delay, but not n2n's coarse ticks.
            #expect(event.at - deadline < 100_000_000, "timer \(event.label) late by \((event.at - deadline) / 1000) µs")
        }
        #expect(loop.scheduledTimerCount == 1)  // only the guard is left
    }

    @Test func repeatingTimerKeepsItsPeriodAndCancelStopsIt() throws {
        let loop = try EventLoop()
        var ticks: [UInt64] = []
        var repeating: TimerID?
        repeating = loop.schedule(after: .milliseconds(10), repeating: .milliseconds(10)) { [unowned loop] in
            ticks.append(loop.updateNow())
            if ticks.count == 5 {
                #expect(loop.cancel(repeating!))
                loop.schedule(after: .milliseconds(30)) { loop.stop() }  // would catch a sixth tick
            }
        }
        let cancelled = loop.schedule(after: .milliseconds(5)) { Issue.record("cancelled timer fired") }
        #expect(loop.cancel(cancelled))
        #expect(!loop.cancel(cancelled))
        let first = try #require(loop.deadline(of: repeating!))
        guardTimer(loop)
        try loop.run()

        #expect(ticks.count == 5)
        #expect(!loop.isScheduled(repeating!))
        // Fixed rate: tick k is due at first + k * 10 ms, never earlier (a late tick does
        // not push the later ones back).
        for (k, tick) in ticks.enumerated() {
            #expect(tick >= first + UInt64(k) * 10_000_000, "tick \(k) early")
        }
    }

    @Test func rescheduleMovesTheDeadline() throws {
        let loop = try EventLoop()
        var order: [String] = []
        let moved = loop.schedule(after: .milliseconds(5)) { order.append("moved") }
        loop.schedule(after: .milliseconds(20)) { order.append("fixed") }
        loop.schedule(after: .milliseconds(60)) { [unowned loop] in loop.stop() }
        #expect(loop.reschedule(moved, after: .milliseconds(40)))
        // Many re-arms (as a per-packet keepalive would do) must not pile up.
        for _ in 0..<1000 { loop.reschedule(moved, after: .milliseconds(40)) }
        guardTimer(loop)
        try loop.run()
        #expect(order == ["fixed", "moved"])
        #expect(!loop.reschedule(moved, after: .milliseconds(1)))  // one-shot already fired
    }

    @Test func stopFromAnotherThreadWakesABlockedLoop() throws {
        let loop = try EventLoop()
        let waker = loop.waker
        // The other thread stops the loop only once the loop has run a callback, so the stop
        // lands in (or just before) a blocking wait with nothing else due but the guard.
        let running = Mutex(false)
        let started = Atomic<Bool>(false)
        var timedOut = false
        loop.schedule(after: .milliseconds(0)) { running.withLock { $0 = true } }
        guardTimer(loop) { timedOut = true }
        let thread = spawnThread {
            for _ in 0..<200_000 where !running.withLock({ $0 }) { sched_yield() }
            started.store(running.withLock { $0 }, ordering: .relaxed)
            waker.stop()
        }
        try loop.run()
        pthread_join(thread, nil)
        let sawRunning = started.load(ordering: .relaxed)
        #expect(sawRunning, "the loop never ran its first callback")
        #expect(!timedOut, "the stop did not wake the loop; the guard timer ended it")
        #expect(!waker.isStopRequested)  // consumed by run()
    }

    @Test func readableSocketDispatchesToItsHandler() throws {
        let loop = try EventLoop()
        let receiver = try UDPSocket(bindingTo: .ipv4(127, 0, 0, 1, port: 0))
        let sender = try UDPSocket(bindingTo: .ipv4(127, 0, 0, 1, port: 0))
        let batch = DatagramBatch(capacity: 8)
        var payloads: [[UInt8]] = []
        var sawEvents: Epoll.Events = []
        let registration = try loop.register(receiver.descriptor.rawValue) { [unowned loop] events in
            sawEvents.formUnion(events)
            let n = (try? receiver.receive(into: batch)) ?? 0
            for i in 0..<n { payloads.append(Array(batch[i])) }
            if payloads.count == 3 { loop.stop() }
        }
        let target = try receiver.localEndpoint
        loop.schedule(after: .milliseconds(5)) {
            for value in [UInt8(1), 2, 3] {
                _ = try? [value].withUnsafeBytes { try sender.send($0, to: target) }
            }
        }
        guardTimer(loop)
        try loop.run()
        #expect(payloads == [[1], [2], [3]])
        #expect(sawEvents.contains(.readable))

        try loop.unregister(registration)
        #expect(throws: Errno.self) { try loop.modify(registration, events: .readable) }
        // Unregistered: a new datagram no longer reaches the handler.
        _ = try [UInt8(4)].withUnsafeBytes { try sender.send($0, to: target) }
        try loop.runOnce(maxWait: .milliseconds(50))
        #expect(payloads.count == 3)
    }

    @Test func signalsReachTheLoopAndDispositionsAreRestored() throws {
        let loop = try EventLoop()
        var got: [Int32] = []
        try loop.onSignals([SIGUSR2]) { [unowned loop] signal in
            got.append(signal)
            loop.stop()
        }
        var hangups = 0
        try loop.stopOnTerminationSignals(hangup: { hangups += 1 })

        // Process-directed, as from kill(1): the test's own threads may block signals
        // (thread pools do), and the kernel then picks a thread that does not.
        kill(getpid(), SIGUSR2)
        var guardID = guardTimer(loop)
        try loop.run()
        loop.cancel(guardID)
        #expect(got == [SIGUSR2])

        kill(getpid(), SIGHUP)
        for _ in 0..<50 where hangups == 0 { try loop.runOnce(maxWait: .milliseconds(100)) }
        #expect(hangups == 1)

        kill(getpid(), SIGTERM)  // with the handler in place this only stops the loop
        var timedOut = false
        guardID = guardTimer(loop) { timedOut = true }
        try loop.run()
        loop.cancel(guardID)
        #expect(!timedOut)
        #expect(hangups == 1)

        loop.stopHandlingSignals()
        var current = sigaction()
        sigaction(SIGTERM, nil, &current)
        #expect(unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 0)  // SIG_DFL again
        sigaction(SIGUSR2, nil, &current)
        #expect(unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 0)
    }

    @Test func epollReportsTokensAndTimesOut() throws {
        let epoll = try Epoll(maxEvents: 4)
        let socket = try UDPSocket(bindingTo: .ipv4(127, 0, 0, 1, port: 0))
        try epoll.add(socket.descriptor.rawValue, events: .readable, token: 0xDEAD_BEEF_0000_0001)
        let start = UInt64(SystemClock().monotonicNanoseconds)
        #expect(try epoll.wait(timeoutNanoseconds: 20_000_000) == 0)
        #expect(UInt64(SystemClock().monotonicNanoseconds) - start >= 20_000_000)

        _ = try [UInt8(1)].withUnsafeBytes { try socket.send($0, to: try socket.localEndpoint) }
        #expect(try epoll.wait(timeoutMilliseconds: 2000) == 1)
        let event = epoll.event(0)
        #expect(event.token == 0xDEAD_BEEF_0000_0001)
        #expect(event.events.contains(.readable))

        try epoll.modify(socket.descriptor.rawValue, events: .writable, token: 7)
        #expect(try epoll.wait(timeoutMilliseconds: 2000) == 1)
        #expect(epoll.event(0).token == 7 && epoll.event(0).events == .writable)
        try epoll.remove(socket.descriptor.rawValue)
        #expect(throws: Errno(code: ENOENT, call: "epoll_ctl(DEL)")) { try epoll.remove(socket.descriptor.rawValue) }

        // Several ready at once: each event carries its own token (the packed 12-byte
        // epoll_event layout is read correctly past the first entry).
        let sockets = try (0..<3).map { _ in try UDPSocket(bindingTo: .ipv4(127, 0, 0, 1, port: 0)) }
        for (i, s) in sockets.enumerated() {
            try epoll.add(s.descriptor.rawValue, events: .readable, token: UInt64(100 + i))
            _ = try [UInt8(i)].withUnsafeBytes { try s.send($0, to: try s.localEndpoint) }
        }
        var tokens: Set<UInt64> = []
        for _ in 0..<20 where tokens.count < 3 {
            let n = try epoll.wait(timeoutMilliseconds: 100)
            for i in 0..<n { tokens.insert(epoll.event(i).token) }
        }
        #expect(tokens == [100, 101, 102])
    }
}

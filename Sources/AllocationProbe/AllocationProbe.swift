import Glibc
import Synchronization
import Testing

// The one allocation probe of the test suites: a counter over the Swift runtime's allocation hook,
// and the runner that measures in a child copy of the test binary.

/// Counts Swift heap allocations (class instances, array and string buffers, closure
/// contexts, boxes: everything that goes through swift_allocObject) made by one thread,
/// using the runtime's instrumentation hook `_swift_allocObject`. Raw malloc calls are not
/// seen; the I/O code makes none after its initialisers.
///
/// While the hook is installed the runtime routes every retain/release through its
/// instrumentation path, which crashes other threads that are busy at the same moment
/// (seen with Swift 6.3 on Linux). So the measurements run in a child process that runs
/// nothing else: `IOAllocationTests` spawns this test binary on `IOAllocationProbeTests`.
public enum AllocationCounter {
    typealias AllocObject = @convention(c) (UnsafeRawPointer?, Int, Int) -> UnsafeMutableRawPointer?

    static let measuredThread = Atomic<UInt>(0)
    static let count = Atomic<Int>(0)
    /// The runtime's own allocator, written once before the hook is switched on and never
    /// changed after, so the unsynchronised reads in the hook are safe.
    nonisolated(unsafe) static var original: AllocObject?
    static let lock = Mutex(())

    static let hook: AllocObject = { metadata, size, alignMask in
        if pthread_self() == AllocationCounter.measuredThread.load(ordering: .relaxed) {
            AllocationCounter.count.add(1, ordering: .relaxed)
        }
        return AllocationCounter.original!(metadata, size, alignMask)
    }

    /// The runtime's hook slot and swizzling flag, looked up once per process: a second lookup of
    /// the flag in the same process was seen to fail now and then (dlsym returned NULL).
    struct Symbols: @unchecked Sendable {
        // Addresses of two runtime globals; only the measuring thread writes them, under `lock`.
        var slot: UnsafeMutableRawPointer
        var enable: UnsafeMutableRawPointer
    }
    static let symbols: Symbols? = {
        guard let handle = dlopen(nil, RTLD_NOW),
            let slot = dlsym(handle, "_swift_allocObject"),
            let enable = dlsym(handle, "_swift_enableSwizzlingOfAllocationAndRefCountingFunctions_forInstrumentsOnly")
        else { return nil }
        return Symbols(slot: slot, enable: enable)
    }()

    /// Allocations made by this thread while `body` runs; nil if the runtime has no hook.
    public static func allocations(in body: () throws -> Void) rethrows -> Int? {
        guard let symbols else { return nil }
        let slot = symbols.slot
        let enable = symbols.enable
        return try lock.withLock { _ in
            let previous = slot.load(as: UnsafeRawPointer?.self)
            if original == nil { original = unsafeBitCast(previous, to: AllocObject.self) }
            let wasEnabled = enable.load(as: UInt8.self)
            // The hook's globals are initialised before it is installed (no lazy initialiser may
            // run inside the hook on another thread).
            count.store(0, ordering: .relaxed)
            measuredThread.store(0, ordering: .relaxed)
            slot.storeBytes(of: unsafeBitCast(hook, to: UnsafeRawPointer.self), as: UnsafeRawPointer.self)
            measuredThread.store(pthread_self(), ordering: .relaxed)
            defer {
                measuredThread.store(0, ordering: .relaxed)
                slot.storeBytes(of: previous, as: UnsafeRawPointer?.self)
                enable.storeBytes(of: wasEnabled, as: UInt8.self)
            }
            try body()
            return count.load(ordering: .relaxed)
        }
    }
}

/// True in the child process a probe runs in: the probe suites are enabled only there.
public let isAllocationProbe = getenv("N2N_ALLOCATION_PROBE") != nil

/// Runs the probe suite `suite` (enabled only when `isAllocationProbe`) alone in a child copy of this
/// test binary, where the allocation hook of `AllocationCounter` cannot disturb other threads, and
/// expects it to run and pass. The child's report goes to a file, so its summary line does not mix
/// with ours; its failures are quoted in ours. A child killed by a signal (seen once in a loaded CI
/// run: SIGILL before the probe printed anything) runs once more; a child that counted allocations
/// exits non-zero and is never retried.
public func expectAllocationProbePasses(suite: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    var outcome = try runProbeChild(suite: suite, sourceLocation: sourceLocation)
    if let first = outcome, first.0 & 0x7F != 0 {
        outcome = try runProbeChild(suite: suite, sourceLocation: sourceLocation)
    }
    guard let (status, report, sawProbe) = outcome else { return }
    #expect(status & 0x7F == 0 && (status >> 8) & 0xFF == 0, "allocation probe failed (status \(status)):\n\(report)",
            sourceLocation: sourceLocation)
    #expect(sawProbe, "the probe suite did not run:\n\(report)", sourceLocation: sourceLocation)
}

/// One child run: its wait status, the failure lines of its report, whether the suite passed.
/// Nil after recording an issue when the child did not finish in 120 s.
private func runProbeChild(suite: String, sourceLocation: SourceLocation) throws -> (Int32, String, Bool)? {
    let binary = CommandLine.arguments[0]
    let arguments = [binary, "--testing-library", "swift-testing", "--filter", suite]
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var environment = ["N2N_ALLOCATION_PROBE=1"]
    var index = 0
    while let entry = environ[index] {
        environment.append(String(cString: entry))
        index += 1
    }
    var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
    defer { for p in envp { free(p) } }

    let logPath = "/tmp/n2n-\(suite)-\(getpid()).log"
    defer { unlink(logPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)

    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, binary, &actions, nil, &argv, &envp)
    try #require(spawned == 0, "posix_spawn failed: \(spawned)", sourceLocation: sourceLocation)
    var status: Int32 = 0
    var waited: pid_t = 0
    for _ in 0..<1200 {  // at most 120 s
        waited = waitpid(pid, &status, WNOHANG)
        if waited != 0 { break }
        usleep(100_000)
    }
    if waited == 0 {
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        Issue.record("allocation probe did not finish in 120 s", sourceLocation: sourceLocation)
        return nil
    }
    var report = ""
    var sawProbe = false
    if let file = fopen(logPath, "r") {
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.contains("✘") || text.contains("↳") || text.contains("allocations") || text.contains("error") { report += text }
            if text.contains(suite) && text.contains("passed") { sawProbe = true }
        }
        fclose(file)
    }
    return (status, report, sawProbe)
}

import Synchronization

/// Where the engine thread leaves its latest snapshot for the metrics thread. The engine only
/// stores a value (no rendering, no I/O on its thread); the HTTP side reads it and renders.
public final class MetricsBoard<Snapshot: Sendable>: Sendable {
    private let latest: Mutex<Snapshot?>

    public init() { latest = Mutex(nil) }

    public func publish(_ snapshot: Snapshot) {
        latest.withLock { $0 = snapshot }
    }

    public var current: Snapshot? { latest.withLock { $0 } }
}

import Logging

/// The lines a logger wrote, for tests that check what an operator is told.
public final class CapturedLog: @unchecked Sendable {
    // Written by the handler and read by the test on the test's own thread only.
    public var lines: [String] = []

    public init() {}

    /// A logger at `level` whose lines from `recordFrom` up land here, each as "<level> <message>"
    /// (or the bare message without `withLevel`).
    public func logger(level: Logger.Level = .trace, recordFrom: Logger.Level = .trace, withLevel: Bool = true) -> Logger {
        Logger(label: "test") { _ in
            CapturingLogHandler(log: self, logLevel: level, recordFrom: recordFrom, withLevel: withLevel)
        }
    }
}

public struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    public var logLevel: Logger.Level
    let recordFrom: Logger.Level
    let withLevel: Bool
    public var metadata: Logger.Metadata = [:]

    public init(log: CapturedLog, logLevel: Logger.Level = .trace, recordFrom: Logger.Level = .trace, withLevel: Bool = true) {
        self.log = log
        self.logLevel = logLevel
        self.recordFrom = recordFrom
        self.withLevel = withLevel
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        guard event.level >= recordFrom else { return }
        log.lines.append(withLevel ? "\(event.level) \(event.message)" : "\(event.message)")
    }
}

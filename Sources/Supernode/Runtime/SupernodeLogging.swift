import Logging
import PacketCore

/// Log lines to syslog (facility daemon) once the supernode runs as a daemon (n2n logs there without -f).
struct SyslogLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(logLevel: Logger.Level) {
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        Syslog.write(event.level, event.message.description)
    }
}

enum SupernodeLogging {
    /// Standard error, for the foreground and for start-up before daemonising.
    static func standardError(verbosity: Int) -> Logger {
        var logger = Logger(label: "supernode") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Verbosity.logLevel(verbosity)
        return logger
    }

    /// Syslog, for a daemon.
    static func syslog(verbosity: Int) -> Logger {
        Syslog.open(identifier: "supernode")
        let level = Verbosity.logLevel(verbosity)
        return Logger(label: "supernode") { _ in SyslogLogHandler(logLevel: level) }
    }
}

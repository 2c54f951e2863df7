import Logging

/// n2n's verbosity: trace level 2 (NORMAL) plus one per `-v`.
public enum Verbosity {
    public static let `default` = 2

    /// n2n trace levels 0 ERROR, 1 WARNING, 2 NORMAL, 3 INFO, 4 DEBUG mapped onto swift-log;
    /// 5 and more also show trace messages.
    public static func logLevel(_ verbosity: Int) -> Logger.Level {
        switch verbosity {
        case ..<1: .error
        case 1: .warning
        case 2: .notice
        case 3: .info
        case 4: .debug
        default: .trace
        }
    }
}

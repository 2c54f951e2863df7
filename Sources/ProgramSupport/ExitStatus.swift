/// The exit statuses of both programs, so that systemd and scripts can tell a bad configuration
/// from a failed start and from a clean stop (documented in docs/flags.md).
public enum ExitStatus {
    /// A clean stop (signal, management `stop`), and `--help` / `--version`.
    public static let success: Int32 = 0
    /// The configuration was fine but the program could not start (TAP, sockets, daemon, pid file,
    /// privileges) or its event loop failed.
    public static let failure: Int32 = 1
    /// A usage or configuration error: unknown option, bad value, missing required option,
    /// unreadable or malformed configuration file, or no arguments at all.
    public static let usage: Int32 = 2
}

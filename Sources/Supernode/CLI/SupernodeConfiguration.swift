import N2NWire
import LinuxSystem
import Metrics
import PacketCore
import ProgramSupport

/// Everything `supernode` is told on its command line and in configuration files (spec 8.2).
public struct SupernodeConfiguration: Sendable, Hashable {
    /// `-l` / `--local-port`: main UDP port on all interfaces; 0 = any.
    public var localPort: UInt16 = 7654
    /// `-c` / `--communities`: community whitelist (spec 6.2); nil = open supernode.
    public var communityFile: String?
    /// `-f` / `--foreground`.
    public var foreground = false
    /// `--pidfile`; nil = none.
    public var pidFile: String?
    /// `-u`, `-g`; nil = default account (see `PrivilegeDrop.plan`).
    public var userID: UInt32?
    public var groupID: UInt32?
    /// `-t` / `--mgmt-port`, bound to 127.0.0.1.
    public var managementPort: UInt16 = 5645
    /// `--management-password`: guards the JSON API's `w` and `s` requests.
    public var managementPassword = "n2n"
    /// `--metrics`; nil = no metrics endpoint.
    public var metrics: MetricsEndpoint?
    /// 2 + number of `-v`.
    public var verbosity = Verbosity.default
    /// `--broadcast-rate`, `--broadcast-burst`: the per-sender broadcast budget in copies (0 = unlimited).
    public var broadcastRate = Int(SupernodeEngineOptions().broadcastRate)
    public var broadcastBurst = Int(SupernodeEngineOptions().broadcastBurst)

    /// The engine's options this configuration sets (the whitelist comes from the `-c` file).
    public func engineOptions(whitelist: [Community]?) -> SupernodeEngineOptions {
        var options = SupernodeEngineOptions(whitelist: whitelist)
        options.broadcastRate = Double(broadcastRate)
        options.broadcastBurst = Double(broadcastBurst)
        return options
    }

    public init() {}

    public var summary: String {
        [
            "local port: \(localPort == 0 ? "any" : String(localPort))",
            "communities: \(communityFile.map { "from \($0) (locked)" } ?? "open (created on demand)")",
            "management port: \(managementPort)",
            "uid/gid: \(userID.map(String.init) ?? "default")/\(groupID.map(String.init) ?? "default")",
            "foreground: \(foreground ? "yes" : "no (daemon)")",
            "pid file: \(pidFile ?? "none")",
            "broadcast budget per sender: \(broadcastRate == 0 ? "unlimited" : "\(broadcastRate) copies/s, burst \(broadcastBurst)")",
            "verbosity: \(verbosity)",
        ].joined(separator: "\n")
    }
}

/// Why `supernode` will not run: a usage or configuration error, exit 2 (`ExitStatus.usage`;
/// n2n 2.8 exited 1, the status of a failed start).
public struct SupernodeCLIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public static let exitStatus: Int32 = ExitStatus.usage

    public var description: String { message }
}

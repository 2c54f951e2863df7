import ArgumentParser
import Metrics
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

/// The supernode's options for swift-argument-parser (see `EdgeCommand` for the approach).
struct SupernodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supernode",
        abstract: "n2n supernode: registers edges and relays their traffic.",
        usage: """
            supernode <config file> [options]
            supernode -l <local port> [-c <path>] [-f] [--pidfile <file>] [-u <uid> -g <gid>] [-t <mgmt port>] [-v]
                      [--management-password <pw>] [--metrics <addr:port>]
                      [--broadcast-rate <copies>] [--broadcast-burst <copies>]
            """,
        discussion: """
            A first argument that does not start with '-' names a configuration file: one option per \
            line (--long=value, --long value, -x=value, -x value, or a flag such as -f); empty lines \
            and lines starting with # are ignored. Options given after the file override it.
            """,
        version: "supernode \(N2NVersion.string) - \(N2NVersion.protocolDescription)")

    @Option(
        name: [.customShort("l"), .customLong("local-port")], parsing: .unconditional,
        help: ArgumentHelp("Main UDP port, all interfaces (default 7654).", valueName: "local port"),
        transform: { try OptionValues.localPort($0) })
    var localPort: UInt16?

    @Option(
        name: [.customShort("c"), .customLong("communities")], parsing: .unconditional,
        help: ArgumentHelp(
            "File of allowed communities, one per line; only these may register (needed for -H edges).",
            valueName: "path"))
    var communityFile: String?

    @Flag(name: [.customShort("f"), .customLong("foreground")], help: "Stay in the foreground instead of becoming a daemon.")
    var foreground = false

    @Option(
        name: .customLong("pidfile"), parsing: .unconditional,
        help: ArgumentHelp("Write the process id to this file once running (removed on a clean stop when possible).",
                           valueName: "file"))
    var pidFile: String?

    @Option(
        name: .customShort("u"), parsing: .unconditional,
        help: ArgumentHelp("Numeric user id to switch to after start-up (default: user n2n, else nobody).", valueName: "uid"),
        transform: { try OptionValues.accountID($0) })
    var userID: UInt32?

    @Option(
        name: .customShort("g"), parsing: .unconditional,
        help: ArgumentHelp("Numeric group id to switch to after start-up.", valueName: "gid"),
        transform: { try OptionValues.accountID($0) })
    var groupID: UInt32?

    @Option(
        name: [.customShort("t"), .customLong("mgmt-port")], parsing: .unconditional,
        help: ArgumentHelp("Management UDP port on 127.0.0.1 (default 5645).", valueName: "mgmt port"),
        transform: { try OptionValues.localPort($0) })
    var managementPort: UInt16?

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "More logging; repeat as required.")
    var verbose: Int

    @Option(
        name: .customLong("management-password"), parsing: .unconditional,
        help: ArgumentHelp("Password of the JSON management API's write and subscribe requests (default n2n).",
                           valueName: "pw"))
    var managementPassword: String?

    @Option(
        name: .customLong("metrics"), parsing: .unconditional,
        help: ArgumentHelp("Serve Prometheus metrics at http://<addr:port>/metrics (a bare port means 127.0.0.1; off by default).",
                           valueName: "addr:port"),
        transform: { text in
            guard let endpoint = MetricsEndpoint(text) else { throw OptionValueError("expected <IPv4 address>:<port> or <port>") }
            return endpoint
        })
    var metrics: MetricsEndpoint?

    @Option(
        name: .customLong("broadcast-rate"), parsing: .unconditional,
        help: ArgumentHelp("Broadcast/multicast copies one sending edge may cause per second; 0 = unlimited (default 2000000).",
                           valueName: "copies"),
        transform: { try OptionValues.integer($0, in: 0...1_000_000_000) })
    var broadcastRate: Int?

    @Option(
        name: .customLong("broadcast-burst"), parsing: .unconditional,
        help: ArgumentHelp("Copies a sender may cause at once above --broadcast-rate (default 2000000).",
                           valueName: "copies"),
        transform: { try OptionValues.integer($0, in: 1...1_000_000_000) })
    var broadcastBurst: Int?

    /// The getopt vocabulary (n2n 2.8: `fl:u:g:t:c:vh`, plus `--version` and `--pidfile`), derived
    /// from the declarations above and the argument parser's `-h`/`--help` (see `EdgeCommand`).
    static let optionTable: OptionTable = {
        do {
            return try OptionTable(declarations: SupernodeCommand._dumpHelp())
        } catch {
            fatalError("\(error)")  // a declaration getopt cannot express; the CLI tests catch it first
        }
    }()
}

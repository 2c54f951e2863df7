import ArgumentParser
import N2NWire
import LinuxSystem
import Metrics
import PacketCore
import ProgramSupport

/// The edge's options for swift-argument-parser, which parses the canonical form that
/// `ArgvNormaliser` produces and renders the help. Every value option uses `.unconditional`
/// parsing, because getopt takes the next argument as the value whatever it looks like.
struct EdgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "n2n edge: joins this host to an n2n community, a layer-2 VPN over UDP.",
        usage: """
            edge <config file> [options]
            edge -d <tun device> -a [static:|dhcp:]<tun IP address> -c <community> [-k <encrypt key>]
                 [-s <netmask>] [-u <uid> -g <gid>] [-f] [-T <tos>] [-n <cidr:gateway>] [-m <MAC address>]
                 -l <supernode host:port> [-p <local port>] [-M <mtu>] [-D] [-r] [-E] [-v]
                 [-i <reg_interval>] [-L <reg_ttl>] [-t <mgmt port>] [-A[<cipher>]] [-H] [-z[<compression>]]
                 [--pidfile <file>] [--no-offload] [--workers <n>] [--igmp-snooping]
                 [--no-mss-clamp] [--max-local-hosts <n>]
                 [--management-password <pw>] [--metrics <addr:port>] [-h]
            """,
        discussion: """
            A first argument that does not start with '-' names a configuration file: one option per \
            line (--long=value, --long value, -x=value, -x value, -A3, -z1, or a flag such as -f); \
            empty lines and lines starting with # are ignored. Options given after the file override it.

            -A and -z take their value attached (-A3, -z1); a bare -A means -A3 and a bare -z means -z1.

            Environment: N2N_KEY is an encryption key as -k (which overrides it) and makes Twofish \
            the default cipher.
            """,
        version: "edge \(N2NVersion.string) - \(N2NVersion.protocolDescription)")

    @Option(
        name: [.customShort("d"), .customLong("tun-device")], parsing: .unconditional,
        help: ArgumentHelp("TAP device name (default edge0).", valueName: "tun device"))
    var tapName: String?

    @Option(
        name: .customShort("a"), parsing: .unconditional,
        help: ArgumentHelp(
            "TAP interface address; dhcp:0.0.0.0 leaves it to a DHCP client on the TAP (use with -r).",
            valueName: "mode:address"),
        transform: { try TapAddress.parse($0) })
    var tapAddress: TapAddress?

    @Option(
        name: [.customShort("c"), .customLong("community")], parsing: .unconditional,
        help: ArgumentHelp("Community name (up to 15 bytes are used).", valueName: "community"))
    var community: String?

    @Option(
        name: .customShort("k"), parsing: .unconditional,
        help: ArgumentHelp("Encryption key (ASCII); also N2N_KEY=<encrypt key>.", valueName: "encrypt key"))
    var key: String?

    @Option(
        name: .customShort("s"), parsing: .unconditional,
        help: ArgumentHelp("TAP netmask, dotted (default 255.255.255.0).", valueName: "netmask"),
        transform: { try EdgeOptionValues.netmask($0) })
    var netmask: UInt32?

    @Option(
        name: [.customShort("l"), .customLong("supernode-list")], parsing: .unconditionalSingleValue,
        help: ArgumentHelp("Supernode; may be given twice. IPv6: [2001:db8::1]:7654.", valueName: "supernode host:port"),
        transform: { try SupernodeAddress.parse($0) })
    var supernodes: [SupernodeAddress] = []

    @Option(
        name: .customShort("i"), parsing: .unconditional,
        help: ArgumentHelp("Registration interval in seconds, for NAT hole punching (default 20).", valueName: "reg_interval"),
        transform: { try EdgeOptionValues.registerInterval($0) })
    var registerInterval: Int?

    @Option(
        name: .customShort("L"), parsing: .unconditional,
        help: ArgumentHelp(
            "TTL of the registration packets sent when hole punching through the supernode (default 0 = not set).",
            valueName: "reg_ttl"),
        transform: { try EdgeOptionValues.registerTTL($0) })
    var registerTTL: Int?

    @Option(
        name: .customShort("p"), parsing: .unconditional,
        help: ArgumentHelp("Fixed local UDP port (default 0 = any).", valueName: "local port"),
        transform: { try OptionValues.localPort($0) })
    var localPort: UInt16?

    @Option(
        name: [.customShort("u"), .customLong("euid")], parsing: .unconditional,
        help: ArgumentHelp("Numeric user id to switch to after start-up (default: user n2n, else nobody).", valueName: "uid"),
        transform: { try OptionValues.accountID($0) })
    var userID: UInt32?

    @Option(
        name: [.customShort("g"), .customLong("egid")], parsing: .unconditional,
        help: ArgumentHelp("Numeric group id to switch to after start-up.", valueName: "gid"),
        transform: { try OptionValues.accountID($0) })
    var groupID: UInt32?

    @Flag(name: .customShort("f"), help: "Stay in the foreground instead of becoming a daemon.")
    var foreground = false

    @Option(
        name: .customLong("workers"), parsing: .unconditional,
        help: ArgumentHelp("Data-plane threads, one TAP queue and UDP socket each (default: online CPUs, at most 8; 1 = one thread for everything).",
                           valueName: "n"),
        transform: { try OptionValues.workers($0) })
    var workers: Int?

    @Flag(name: .customLong("no-offload"),
          help: "Exchange plain frames with the TAP and single datagrams with the peers (no checksum and segmentation offloads, no coalescing, no UDP GSO/GRO).")
    var noOffload = false

    @Option(
        name: .customLong("pidfile"), parsing: .unconditional,
        help: ArgumentHelp("Write the process id to this file once running (removed on a clean stop when possible).",
                           valueName: "file"))
    var pidFile: String?

    @Option(
        name: .customShort("m"), parsing: .unconditional,
        help: ArgumentHelp("TAP MAC address, e.g. 02:01:02:03:04:05 (default: random).", valueName: "MAC address"),
        transform: { try EdgeOptionValues.mac($0) })
    var mac: MACAddress?

    @Option(
        name: .customShort("M"), parsing: .unconditional,
        help: ArgumentHelp("TAP MTU, and the largest IP packet sent into the overlay (default 1290).", valueName: "mtu"),
        transform: { try EdgeOptionValues.mtu($0) })
    var mtu: Int?

    @Flag(name: .customLong("no-mss-clamp"),
          help: "Leave the MSS of TCP SYNs crossing the edge as it is (default: lower it to fit the MTU, -M).")
    var noMSSClamp = false

    @Option(
        name: .customLong("max-local-hosts"), parsing: .unconditional,
        help: ArgumentHelp("Hosts behind a bridged TAP learned and registered at the supernode (default 64; 0: none).",
                           valueName: "n"),
        transform: { try OptionValues.integer($0, in: 0...255) })
    var maxLocalHosts: Int?

    @Flag(name: .customShort("D"), help: "Enable PMTU discovery (DF bit); can stall connections where it is not supported.")
    var pmtuDiscovery = false

    @Flag(name: .customShort("r"), help: "Allow routed traffic through the community (no routing filters).")
    var allowRouting = false

    @Option(
        name: .customShort("A"), parsing: .unconditional,
        help: ArgumentHelp(
            "Payload cipher, attached: -A1 none, -A2 Twofish (default with a key), -A3 or -A AES-CBC, -A4 ChaCha20, -A5 Speck-CTR.",
            valueName: "cipher"),
        transform: { try EdgeOptionValues.cipher($0) })
    var cipher: TransformID?

    @Flag(name: .customShort("H"), help: "Encrypt packet headers (the supernode must list the community in its -c file).")
    var headerEncryption = false

    @Option(
        name: .customShort("z"), parsing: .unconditional,
        help: ArgumentHelp("Compress outgoing packets, attached: -z1 or -z LZO, -z2 zstd.", valueName: "compression"),
        transform: { try EdgeOptionValues.compression($0) })
    var compression: CompressionID?

    @Flag(name: .customShort("E"), help: "Accept multicast MAC addresses (default: drop).")
    var acceptMulticast = false

    @Flag(name: .customLong("igmp-snooping"),
          help: "Send multicast only to peers whose hosts joined the group (learned from IGMP/MLD; implies -E).")
    var igmpSnooping = false

    @Option(
        name: .customLong("igmp-query-interval"), parsing: .unconditional,
        help: ArgumentHelp("With --igmp-snooping: seconds between general queries (default 125).", valueName: "seconds"),
        transform: { try OptionValues.integer($0, in: 2...3600) })
    var igmpQueryInterval: Int?

    @Option(
        name: .customLong("igmp-membership-timeout"), parsing: .unconditional,
        help: ArgumentHelp("With --igmp-snooping: seconds a group is kept without a report (default 260).",
                           valueName: "seconds"),
        transform: { try OptionValues.integer($0, in: 1...86400) })
    var igmpMembershipTimeout: Int?

    @Option(
        name: .customShort("S"), parsing: .unconditional,
        help: ArgumentHelp("Do not connect peer to peer; always go through the supernode (-S or -S1; -S2, TCP to the supernode, is not supported yet).",
                           valueName: "level"),
        transform: { try OptionValues.integer($0, in: 1...2) })
    var supernodeOnly: Int?

    @Option(
        name: .customLong("protocol"), parsing: .unconditional,
        help: ArgumentHelp("n2n wire version: 2 (default, n2n 2.x) or 3 (n2n 3.x, with 3.1.1's option meanings).",
                           valueName: "version"),
        transform: { try OptionValues.integer($0, in: 2...3) })
    var wireProtocol: Int?

    @Option(
        name: .customShort("I"), parsing: .unconditional,
        help: ArgumentHelp("--protocol 3: description of this edge shown by the supernode (up to 16 bytes).",
                           valueName: "description"))
    var deviceDescription: String?

    @Option(
        name: .customShort("e"), parsing: .unconditional,
        help: ArgumentHelp("--protocol 3: local IPv4 address (or 'auto') peers on the same LAN reach us at.",
                           valueName: "local address"))
    var preferredAddress: String?

    @Flag(name: .customLong("select-rtt"), help: "--protocol 3: choose the supernode with the shortest round trip.")
    var selectRTT = false

    @Flag(name: .customLong("select-mac"), help: "--protocol 3: choose the supernode with the lowest MAC address.")
    var selectMAC = false

    @Option(
        name: .customShort("J"), parsing: .unconditional,
        help: ArgumentHelp("n2n 3.x user name: not supported yet.", valueName: "username"))
    var userName: String?

    @Option(
        name: .customShort("P"), parsing: .unconditional,
        help: ArgumentHelp("n2n 3.x federation public key: not supported yet.", valueName: "public key"))
    var federationKey: String?

    @Option(
        name: .customShort("R"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp("n2n 3.x traffic filter rules: not supported yet.", valueName: "rule"))
    var rules: [String] = []

    @Option(
        name: .customShort("T"), parsing: .unconditional,
        help: ArgumentHelp("IP TOS of outgoing packets, e.g. 0x48.", valueName: "tos"),
        transform: { try EdgeOptionValues.tos($0) })
    var tos: UInt8?

    @Option(
        name: .customShort("n"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Route an IPv4 network through the TAP via gateway; 0.0.0.0/0 replaces the default route. Repeatable.",
            valueName: "cidr:gateway"),
        transform: { try EdgeRoute.parse($0) })
    var routes: [EdgeRoute] = []

    @Option(
        name: .customShort("t"), parsing: .unconditional,
        help: ArgumentHelp("Management UDP port on 127.0.0.1 (default 5644).", valueName: "mgmt port"),
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

    @Flag(name: .customShort("b"), help: "Accepted and ignored (supernodes are re-resolved every round anyway).")
    var legacyResolve = false

    /// What a bare `-z` / `-A` means: getopt's optional attached values (n2n 2.8's `z::A::`), the
    /// one property of an option the argument parser cannot express.
    static let attachedValueDefaults: [Character: String] = ["z": "1", "A": "3", "S": "1"]

    /// The getopt vocabulary (n2n 2.8: `k:a:bc:Eu:g:m:M:s:d:l:p:fvhrt:i:SDL:z::A::Hn:T:`, plus
    /// `--version` and `--pidfile`), derived from the declarations above and the argument parser's
    /// `-h`/`--help`: the command line, the configuration file and the help cannot disagree.
    static let optionTable: OptionTable = {
        do {
            return try OptionTable(declarations: EdgeCommand._dumpHelp(), attachedValueDefaults: attachedValueDefaults)
        } catch {
            fatalError("\(error)")  // a declaration getopt cannot express; the CLI tests catch it first
        }
    }()
}

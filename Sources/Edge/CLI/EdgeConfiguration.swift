#if canImport(Glibc)
import Glibc
#endif
import N2NWire
import LinuxSystem
import Metrics
import PacketCore
import ProgramSupport

/// Everything `edge` is told on its command line, in configuration files and by `N2N_KEY`
/// (spec 8.1). `init()` gives n2n 2.8's defaults; `validate()` applies spec 5.2's rules.
public struct EdgeConfiguration: Sendable, Hashable {
    /// `-c` / `--community`, as the 16-byte header field: the first 15 bytes of the name.
    public var community = Community("")
    /// `--protocol`: 2 (n2n 2.x, the default) or 3 (n2n 3.x).
    public var wireProtocol = 2
    /// A community name longer than 15 bytes as given, up to 19 (n2n 3.x uses them all).
    public var longCommunityName: String?
    /// The community name n2n 3.x uses.
    public var fullCommunityName: String { longCommunityName ?? communityName }
    /// `-I` (v3): the description sent to the supernode.
    public var deviceDescription = ""
    /// `-e` (v3): the preferred local address (nil: none; 0: `auto`).
    public var preferredAddress: UInt32?
    /// `--select-rtt` / `--select-mac` (v3); load by default.
    public var selection: EdgeV3Selection = .load
    /// `-l` / `--supernode-list`, one or two.
    public var supernodes: [SupernodeAddress] = []
    /// `-d` / `--tun-device`.
    public var tapName = "edge0"
    /// `-a`; required.
    public var tapAddress: TapAddress?
    /// `-s`, as `IPAddress.v4`.
    public var netmask: UInt32 = 0xFFFF_FF00
    /// `-M`.
    public var mtu = 1290
    /// `-m`; nil means a random locally administered address (`MACAddress.randomLocallyAdministered`).
    public var mac: MACAddress?
    /// `-k` or `N2N_KEY`: the passphrase, used as its UTF-8 bytes.
    public var key: String?
    /// `-A`; Twofish when a key is given without a cipher.
    public var transform: TransformID = .null
    /// `-z`.
    public var compression: CompressionID = .none
    /// `-H`.
    public var headerEncryption = false
    /// `-E`: let IPv4/IPv6 multicast frames through (spec 5.9).
    public var acceptMulticast = false
    /// `--igmp-snooping` with its timers; nil = off (flood, as n2n 2.8).
    public var multicastSnooping: EdgeMulticastSettings?
    /// Cleared by `-S`: everything goes through the supernode.
    public var allowP2P = true
    /// `-r`: no routing filters.
    public var allowRouting = false
    /// `-L`: REGISTER burst TTL (spec 5.7); 0 = not set.
    public var registerTTL = 0
    /// `-p`; 0 = any.
    public var localPort: UInt16 = 0
    /// `-t`, bound to 127.0.0.1.
    public var managementPort: UInt16 = 5644
    /// `-i`, seconds.
    public var registerInterval = 20
    /// `-T`; nil = leave the socket's TOS alone.
    public var tos: UInt8?
    /// `-D`: DF bit on (PMTU discovery).
    public var pmtuDiscovery = false
    /// `-n`, in order.
    public var routes: [EdgeRoute] = []
    /// `-u` / `--euid`, `-g` / `--egid`; nil = default account (see `PrivilegeDrop.plan`).
    public var userID: UInt32?
    public var groupID: UInt32?
    /// `-f`.
    public var foreground = false
    /// `--pidfile`; nil = none.
    public var pidFile: String?
    /// `--management-password`: guards the JSON API's `w` and `s` requests.
    public var managementPassword = "n2n"
    /// `--metrics`; nil = no metrics endpoint.
    public var metrics: MetricsEndpoint?
    /// false with `--no-mss-clamp`: TCP SYNs keep their MSS.
    public var clampMSS = true
    /// `--max-local-hosts`: hosts behind a bridged TAP the edge learns (0: none).
    public var maxLocalHosts = 64
    /// false with `--no-offload`: plain frames on the TAP (no virtio-net header).
    public var offload = true
    /// `--workers`: data-plane threads (the DHCP mode keeps one: workers read the address once).
    public var workers = EdgeConfiguration.defaultWorkers

    /// One thread serves in DHCP mode (the address can change under the workers).
    public var effectiveWorkers: Int { tapAddress == nil || tapAddress?.mode == .dhcp ? 1 : workers }

    /// Online CPUs, at most 8.
    public static var defaultWorkers: Int { max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }
    /// 2 + number of `-v`.
    public var verbosity = Verbosity.default

    public init() {}

    public static let defaultManagementPort: UInt16 = 5644

    /// The community name as the edge uses it (at most 15 bytes).
    public var communityName: String { community.name }

    /// Spec 5.2 step 2, plus the limits that option parsing enforces, for configurations built in
    /// code. Returns warnings worth logging.
    @discardableResult
    public func validate() throws(EdgeCLIError) -> [String] {
        if communityName.isEmpty { throw .invalidConfiguration("no community given (-c <community>)") }
        if supernodes.isEmpty { throw .invalidConfiguration("no supernode given (-l <host:port>)") }
        if supernodes.count > 2 && wireProtocol == 2 { throw .fatal("too many supernodes (\(supernodes.count)); at most two -l") }
        if tapAddress == nil && wireProtocol == 2 {
            throw .invalidConfiguration("no TAP address given (-a [static:|dhcp:]<IPv4 address>)")
        }
        if tapAddress?.prefixLength != nil && wireProtocol == 2 {
            throw .invalidConfiguration("-a with /<prefix length> is n2n 3.x syntax: add --protocol 3, or give the netmask with -s")
        }
        try Self.checkTapName(tapName)
        if registerInterval < 1 { throw .invalidConfiguration("the registration interval (-i) must be at least 1 second") }
        if !(EdgeOptionValues.minMTU...EdgeOptionValues.maxMTU).contains(mtu) {
            throw .invalidConfiguration("MTU \(mtu) (-M) is outside \(EdgeOptionValues.minMTU)...\(EdgeOptionValues.maxMTU)")
        }
        if !(0...255).contains(registerTTL) { throw .invalidConfiguration("-L \(registerTTL) is outside 0...255") }
        if key == nil && transform != .null {
            throw .invalidConfiguration("the \(transform) cipher (-A\(transform.rawValue)) needs a key: give -k <key> or set N2N_KEY")
        }
        if key != nil && transform == .null {
            throw .invalidConfiguration("a key is given but the cipher is null")
        }
        if routes.contains(where: \.isDefaultRoute) && supernodes.count != 1 {
            throw .fatal("a default route (-n 0.0.0.0/0:<gateway>) needs exactly one supernode")
        }
        if pidFile == "" { throw .invalidConfiguration("the pid file name (--pidfile) is empty") }
        var warnings: [String] = []
        if let key, key == communityName {
            warnings.append("the community and the encryption key must differ, otherwise security is compromised")
        }
        if key == "" { warnings.append("the encryption key is empty") }
        if tapAddress?.mode == .dhcp && !allowRouting {
            warnings.append("DHCP mode without -r: the routing filter drops traffic until the TAP has an address")
        }
        return warnings
    }

    /// `-d`'s rule; `prefix` names the configuration-file line the name came from.
    static func checkTapName(_ name: String, prefix: String = "") throws(EdgeCLIError) {
        do { _ = try EdgeOptionValues.tapName(name) } catch {
            throw .invalidConfiguration("\(prefix)bad TAP device name '\(name)' (-d): \(error.reason)")
        }
    }

    /// A human-readable listing (the key itself is not shown).
    public var summary: String {
        var lines: [String] = []
        func add(_ name: String, _ value: String) { lines.append("\(name): \(value)") }
        add("protocol", "n2n \(wireProtocol).x")
        add("community", wireProtocol == 3 ? fullCommunityName : communityName)
        add("supernodes", supernodes.map(\.description).joined(separator: ", "))
        add("tap device", tapName)
        add("tap address", tapAddress.map(\.description) ?? (wireProtocol == 3 ? "assigned by the supernode" : "(none)"))
        add("netmask", IPAddress.v4(netmask).description)
        add("mtu", String(mtu))
        add("mac", mac?.description ?? "random")
        add("key", key.map { "set (\($0.utf8.count) bytes)" } ?? "none")
        add("cipher", transform.description)
        add("compression", String(describing: compression))
        add("header encryption", headerEncryption ? "on" : "off")
        add("accept multicast", acceptMulticast ? "yes" : "no")
        add("igmp snooping", multicastSnooping.map {
            "on (query interval \($0.timers.queryInterval / MembershipTimers.second) s, "
                + "membership timeout \($0.timers.groupMembershipInterval / MembershipTimers.second) s)"
        } ?? "off")
        add("p2p", allowP2P ? "allowed" : "off (supernode only)")
        add("routing filter", allowRouting ? "off" : "on")
        add("register interval", "\(registerInterval) s")
        add("register ttl", String(registerTTL))
        add("local port", localPort == 0 ? "any" : String(localPort))
        add("management port", String(managementPort))
        add("tos", tos.map { "0x" + String($0, radix: 16) } ?? "not set")
        add("pmtu discovery", pmtuDiscovery ? "on" : "off")
        add("mss clamp", clampMSS ? "on (to \(mtu - 40) / \(mtu - 60) bytes, IPv4 / IPv6)" : "off")
        add("local hosts", maxLocalHosts == 0 ? "off" : "at most \(maxLocalHosts)")
        add("routes", routes.isEmpty ? "none" : routes.map(\.description).joined(separator: ", "))
        add("uid/gid", "\(userID.map(String.init) ?? "default")/\(groupID.map(String.init) ?? "default")")
        add("foreground", foreground ? "yes" : "no (daemon)")
        add("pid file", pidFile ?? "none")
        add("metrics", metrics.map { "http://\($0)/metrics" } ?? "off")
        add("TAP offloads", offload ? "on" : "off")
        add("workers", String(workers))
        add("verbosity", String(verbosity))
        return lines.joined(separator: "\n")
    }
}

/// Why `edge` will not run: a usage or configuration error, exit 2 (`ExitStatus.usage`). n2n 2.8
/// exited 0 after printing the usage, which told systemd and scripts nothing, and 1 for the cases
/// it found while parsing (`-A9`, `-z5`, a third `-l`), which looked like a failed start.
public enum EdgeCLIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Reported with the usage.
    case invalidConfiguration(String)
    /// Reported without the usage, as n2n 2.8 did (the option was understood, its value is not supported).
    case fatal(String)

    public var exitStatus: Int32 { ExitStatus.usage }

    public var description: String {
        switch self {
        case let .invalidConfiguration(m), let .fatal(m): m
        }
    }
}

import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

/// How the TAP interface gets its IPv4 address (`-a`).
public enum TapAddressMode: String, Sendable, Hashable {
    /// The address is set once (`-a 10.0.0.1` or `-a static:10.0.0.1`).
    case `static`
    /// An external DHCP client configures the TAP; the edge re-reads the address (spec 5.11).
    case dhcp
}

public struct TapAddress: Sendable, Hashable, CustomStringConvertible {
    public var mode: TapAddressMode
    /// a.b.c.d as (a << 24 | b << 16 | c << 8 | d), as `IPAddress.v4`.
    public var ipv4: UInt32
    /// n2n 3.x's `/len` suffix (`--protocol 3` only); nil when not given.
    public var prefixLength: Int?

    public init(mode: TapAddressMode, ipv4: UInt32, prefixLength: Int? = nil) {
        self.mode = mode
        self.ipv4 = ipv4
        self.prefixLength = prefixLength
    }

    /// `[static:|dhcp:]<IPv4>[/len]`; the mode is whatever precedes the first colon.
    public static func parse(_ text: String) throws(OptionValueError) -> TapAddress {
        var mode = TapAddressMode.static
        var text = text
        var prefixLength: Int?
        if let slash = text.firstIndex(of: "/") {
            guard let n = Int(text[text.index(after: slash)...]), (1...30).contains(n) else {
                throw OptionValueError("the prefix length after '/' must be 1...30")
            }
            prefixLength = n
            text = String(text[..<slash])
        }
        var addressText = Substring(text)
        if let colon = text.firstIndex(of: ":") {
            let name = text[..<colon]
            guard let m = TapAddressMode(rawValue: String(name)) else {
                throw OptionValueError("unknown address mode '\(name)' (use static:<IPv4> or dhcp:0.0.0.0)")
            }
            mode = m
            addressText = text[text.index(after: colon)...]
        }
        let ip = try EdgeOptionValues.ipv4(String(addressText))
        if mode == .static && (ip >> 28 == 0xE || ip == 0xFFFF_FFFF) {
            throw OptionValueError("\(IPAddress.v4(ip)) is a multicast or broadcast address")
        }
        return TapAddress(mode: mode, ipv4: ip, prefixLength: prefixLength)
    }

    public var description: String { "\(mode.rawValue):\(IPAddress.v4(ipv4))" + (prefixLength.map { "/\($0)" } ?? "") }
}

/// A route added through the TAP (`-n cidr:gateway`, spec 5.10).
public struct EdgeRoute: Sendable, Hashable, CustomStringConvertible {
    /// Network address, host bits zero, as `IPAddress.v4`.
    public var network: UInt32
    public var prefixLength: Int
    public var gateway: UInt32

    public init(network: UInt32, prefixLength: Int, gateway: UInt32) {
        self.network = network
        self.prefixLength = prefixLength
        self.gateway = gateway
    }

    /// `0.0.0.0/0:gw`: the engine routes the supernode via the old default gateway and adds
    /// 0.0.0.0/1 and 128.0.0.0/1 via `gw`.
    public var isDefaultRoute: Bool { prefixLength == 0 }

    public var netmask: UInt32 { EdgeOptionValues.netmask(prefixLength: prefixLength) }

    /// `a.b.c.d/len:gateway`.
    public static func parse(_ text: String) throws(OptionValueError) -> EdgeRoute {
        guard let slash = text.firstIndex(of: "/"), let colon = text[slash...].firstIndex(of: ":") else {
            throw OptionValueError("expected <network>/<prefix length>:<gateway>, e.g. 192.168.1.0/24:10.0.0.1")
        }
        let network: UInt32
        do { network = try EdgeOptionValues.ipv4(String(text[..<slash])) } catch {
            throw OptionValueError("bad network '\(text[..<slash])': \(error.reason)")
        }
        let lengthText = String(text[text.index(after: slash)..<colon])
        let length: Int
        do { length = try OptionValues.integer(lengthText, in: 0...32) } catch {
            throw OptionValueError("bad prefix length '\(lengthText)': \(error.reason)")
        }
        let gatewayText = String(text[text.index(after: colon)...])
        let gateway: UInt32
        do { gateway = try EdgeOptionValues.ipv4(gatewayText) } catch {
            throw OptionValueError("bad gateway '\(gatewayText)': \(error.reason)")
        }
        // n2n rejected 255.255.255.255 (INADDR_NONE) by accident; a broadcast or multicast next hop
        // is rejected by the kernel anyway.
        guard gateway != 0xFFFF_FFFF, gateway >> 28 != 0xE else {
            throw OptionValueError("gateway \(IPAddress.v4(gateway)) is a broadcast or multicast address")
        }
        let mask = EdgeOptionValues.netmask(prefixLength: length)
        guard network & ~mask == 0 else {
            throw OptionValueError(
                "\(IPAddress.v4(network))/\(length) has host bits set (the network is \(IPAddress.v4(network & mask))/\(length))")
        }
        return EdgeRoute(network: network, prefixLength: length, gateway: gateway)
    }

    public var description: String { "\(IPAddress.v4(network))/\(prefixLength):\(IPAddress.v4(gateway))" }
}

/// Parsers for the edge's option values. Every one rejects what n2n's `atoi`/`inet_addr` would
/// have turned silently into 0 or garbage.
public enum EdgeOptionValues {
    /// Largest `-M`: a full frame (MTU + 14-byte Ethernet header), relayed by a supernode (42-byte
    /// PACKET header) and AES-encrypted (at most 25 bytes more, spec 2.1) still has to fit the
    /// 2048-byte datagram buffers of every n2n implementation.
    public static let maxMTU = maxFrameLength - 14 - 42 - 25
    /// The IPv4 minimum.
    public static let minMTU = 68

    public static func ipv4(_ text: String) throws(OptionValueError) -> UInt32 {
        guard case let .v4(value)? = IPAddress(ipv4: text) else {
            throw OptionValueError("not a dotted IPv4 address")
        }
        return value
    }

    public static func netmask(prefixLength: Int) -> UInt32 {
        prefixLength == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefixLength))
    }

    /// A dotted netmask with contiguous ones (`255.255.255.0`).
    public static func netmask(_ text: String) throws(OptionValueError) -> UInt32 {
        let mask: UInt32
        do { mask = try ipv4(text) } catch { throw OptionValueError("not a dotted netmask like 255.255.255.0") }
        guard mask == netmask(prefixLength: mask.nonzeroBitCount) else {
            throw OptionValueError("the one bits of a netmask must be contiguous")
        }
        return mask
    }

    /// A unicast MAC (`-m`); the kernel refuses group and all-zero addresses on a TAP.
    public static func mac(_ text: String) throws(OptionValueError) -> MACAddress {
        guard let mac = MACAddress(parsing: text) else { throw OptionValueError("expected six hex octets like 02:00:00:00:00:01") }
        guard !mac.isGroup else { throw OptionValueError("a multicast/broadcast address cannot be a TAP address") }
        guard !mac.isZero else { throw OptionValueError("the all-zero address cannot be a TAP address") }
        return mac
    }

    public static func mtu(_ text: String) throws(OptionValueError) -> Int {
        try OptionValues.integer(text, in: minMTU...maxMTU)
    }

    /// `-i`: at least one second (spec 5.2).
    public static func registerInterval(_ text: String) throws(OptionValueError) -> Int {
        try OptionValues.integer(text, in: 1...Int(Int32.max))
    }

    /// `-L`: an IP TTL.
    public static func registerTTL(_ text: String) throws(OptionValueError) -> Int {
        try OptionValues.integer(text, in: 0...255)
    }

    /// `-T`: decimal, or hexadecimal after `0x`, 0...255.
    public static func tos(_ text: String) throws(OptionValueError) -> UInt8 {
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            let hex = text.dropFirst(2)
            guard !hex.isEmpty, hex.count <= 2, let v = UInt8(hex, radix: 16) else {
                throw OptionValueError("expected a number 0...255, decimal or 0x00...0xff")
            }
            return v
        }
        do { return UInt8(try OptionValues.integer(text, in: 0...255)) } catch {
            throw OptionValueError("expected a number 0...255, decimal or 0x00...0xff")
        }
    }

    /// `-A<n>`: the transforms of spec 2.1.
    public static func cipher(_ text: String) throws(OptionValueError) -> TransformID {
        guard let n = try? OptionValues.integer(text, in: 0...0xFFFF), let id = TransformID(rawValue: UInt16(n)) else {
            throw OptionValueError(
                "the cipher -A\(text) is not supported: use -A1 (none), -A2 (Twofish), -A3 (AES-CBC), -A4 (ChaCha20) or -A5 (Speck-CTR)")
        }
        return id
    }

    /// `-z<n>`: 1 LZO, 2 zstd (spec 3).
    public static func compression(_ text: String) throws(OptionValueError) -> CompressionID {
        guard let n = try? OptionValues.integer(text, in: 1...2), let id = CompressionID(rawValue: UInt8(n)) else {
            throw OptionValueError("the compression -z\(text) is not supported: use -z1 (LZO) or -z2 (zstd)")
        }
        return id
    }

    /// `-d`: a Linux interface name (what the kernel's dev_valid_name accepts).
    public static func tapName(_ text: String) throws(OptionValueError) -> String {
        guard !text.isEmpty else { throw OptionValueError("the interface name is empty") }
        guard text.utf8.count <= 15 else { throw OptionValueError("interface names have at most 15 bytes") }
        guard text != ".", text != "..", !text.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace }) else {
            throw OptionValueError("interface names cannot be '.' or '..' or contain '/', ':' or white space")
        }
        return text
    }
}

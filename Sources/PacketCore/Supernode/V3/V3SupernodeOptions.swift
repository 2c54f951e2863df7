import N2NWire

/// The 3.x half of the supernode's settings (v3 spec 9, 11.1): what its replies say about it and
/// how it checks and addresses 3.x edges.
public struct V3SupernodeOptions: Sendable, Hashable {
    /// `-m`: the MAC in REGISTER_SUPER_ACK and PONG (stock draws a random locally administered one).
    public var mac: MACAddress = MACAddress(rawValue: 0x0253_4E00_0001)
    /// `-V`: the version text of PONGs (20 bytes on the wire).
    public var versionText: String = "3.1.1"
    /// Simple-ID check of re-registrations (v3 spec 6.2); `-M` turns it off.
    public var spoofingProtection = true
    /// `-a`: the range auto-IP subnets are carved from.
    public var autoIPPool = V3AddressPool.standard
    /// Subnets the community file gives (`name a.b.c.d/len`), by community name.
    public var communitySubnets: [String: V3DeviceAddress] = [:]

    public init() {}
}

/// `-a min-max/len` (v3 spec 9.5): subnets of prefix `prefixLength` from `first` to `last`.
public struct V3AddressPool: Sendable, Hashable {
    public var first: UInt32
    public var last: UInt32
    public var prefixLength: UInt8

    /// 10.128.0.0-10.255.255.0/24, stock's default.
    public static let standard = V3AddressPool(first: 0x0A80_0000, last: 0x0AFF_FF00, prefixLength: 24)

    public init(first: UInt32, last: UInt32, prefixLength: UInt8) {
        self.first = first
        self.last = last
        self.prefixLength = prefixLength
    }

    /// Parses `a.b.c.d-a.b.c.d/len`; nil if malformed, the prefix is outside 1...30 or the range is empty.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let len = UInt8(parts[1]), (1...30).contains(len) else { return nil }
        let ends = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let a = Self.ipv4(ends[0]), let b = Self.ipv4(ends[1]) else { return nil }
        let mask = UInt32.max << (32 - UInt32(len))
        guard a & mask <= b & mask else { return nil }
        self.init(first: a & mask, last: b & mask, prefixLength: len)
    }

    /// Dotted IPv4 as a host-order word.
    public static func ipv4(_ text: Substring) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var v: UInt32 = 0
        for o in octets {
            guard o.count <= 3, let b = UInt8(o) else { return nil }
            v = v << 8 | UInt32(b)
        }
        return v
    }

    /// Number of subnets in the range.
    var count: UInt32 { (last - first) >> (32 - UInt32(prefixLength)) + 1 }
}

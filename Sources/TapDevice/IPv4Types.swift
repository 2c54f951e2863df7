import LinuxSystem
/// An IPv4 address with its prefix, as assigned to an interface. Addresses are the
/// host-order number a.b.c.d = a << 24 | b << 16 | c << 8 | d.
public struct IPv4Interface: Hashable, Sendable, CustomStringConvertible {
    public var address: UInt32
    public var prefixLength: Int

    public init(address: UInt32, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// nil when `netmask` is not a run of ones followed by zeros.
    public init?(address: UInt32, netmask: UInt32) {
        let ones = netmask.leadingZeroBitCount == 0 ? (~netmask).leadingZeroBitCount : 0
        guard IPv4Interface.netmask(prefixLength: ones) == netmask else { return nil }
        self.init(address: address, prefixLength: ones)
    }

    public var netmask: UInt32 { IPv4Interface.netmask(prefixLength: prefixLength) }
    public var network: UInt32 { address & netmask }

    public static func netmask(prefixLength: Int) -> UInt32 {
        guard prefixLength > 0 else { return 0 }
        guard prefixLength < 32 else { return .max }
        return ~(UInt32.max >> UInt32(prefixLength))
    }

    public static func format(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
    }

    public var description: String { "\(IPv4Interface.format(address))/\(prefixLength)" }
}

/// An IPv4 route through a TAP device: `destination/prefixLength`, optionally via `gateway`
/// (which must be reachable on the device's subnet), with an optional metric.
public struct IPv4Route: Hashable, Sendable, CustomStringConvertible {
    public var destination: UInt32
    public var prefixLength: Int
    public var gateway: UInt32?
    public var metric: UInt32?

    public init(destination: UInt32, prefixLength: Int, gateway: UInt32? = nil, metric: UInt32? = nil) {
        self.destination = destination
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.metric = metric
    }

    public var description: String {
        var text = "\(IPv4Interface.format(destination))/\(prefixLength)"
        if let gateway { text += " via \(IPv4Interface.format(gateway))" }
        if let metric { text += " metric \(metric)" }
        return text
    }
}

/// MAC addresses travel as UInt64 with the first octet in bits 47...40 (as N2NWire's
/// `MACAddress.rawValue`), so TapDevice needs no protocol module.
public enum MAC {
    /// A random unicast, locally administered address (first octet xxxxxx10).
    public static func randomLocallyAdministered() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return randomLocallyAdministered(using: &generator)
    }

    public static func randomLocallyAdministered(using generator: inout some RandomNumberGenerator) -> UInt64 {
        let raw = generator.next() & 0xFFFF_FFFF_FFFF
        return (raw & ~(UInt64(0x03) << 40)) | (UInt64(0x02) << 40)
    }

    public static func octets(_ mac: UInt64) -> [UInt8] {
        (0..<6).map { UInt8(truncatingIfNeeded: mac >> (40 - 8 * UInt64($0))) }
    }

    public static func fromOctets(_ octets: some Sequence<UInt8>) -> UInt64 {
        octets.prefix(6).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public static func format(_ mac: UInt64) -> String {
        octets(mac).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}

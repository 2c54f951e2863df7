#if canImport(LinuxSystem)  // the fuzz builds compile InternetChecksum.swift into this module
import LinuxSystem
#endif
/// Where the headers of an Ethernet + IPv4/IPv6 + TCP/UDP frame lie, after bounds checks: every offset
/// here is inside the frame it was parsed from.
public struct FrameLayout: Equatable, Sendable {
    public static let ethernetLength = 14
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17

    public let isIPv6: Bool
    /// IPv4 header length with options (IHL·4), or 40.
    public let ipHeaderLength: Int
    public let transport: UInt8
    /// TCP data offset·4, or 8 for UDP.
    public let transportHeaderLength: Int
    /// One past the IP packet (14 + total length): bytes after it are Ethernet padding.
    public let ipEnd: Int

    public var ipOffset: Int { Self.ethernetLength }
    public var transportOffset: Int { Self.ethernetLength + ipHeaderLength }
    /// Ethernet + IP + TCP/UDP headers.
    public var headersLength: Int { transportOffset + transportHeaderLength }
    public var payloadLength: Int { ipEnd - headersLength }
    public var isTCP: Bool { transport == Self.tcp }

    /// Parses `frame`'s headers. IPv4 options are accepted; IPv6 extension headers, IP fragments,
    /// VLAN tags and anything but TCP or UDP are refused.
    public init(parsing frame: UnsafeRawBufferPointer) throws(OffloadError) {
        let count = frame.count
        guard count >= Self.ethernetLength else { throw .truncated(need: Self.ethernetLength, have: count) }
        let etherType = frame.be16(12)
        let v6: Bool
        switch etherType {
        case 0x0800: v6 = false
        case 0x86DD: v6 = true
        case 0x8100, 0x88A8, 0x9100: throw .vlanTagged
        default: throw .notIP(etherType: etherType)
        }
        let ip = Self.ethernetLength
        let ipHeader: Int, ipEnd: Int, proto: UInt8
        if v6 {
            guard count >= ip + 40 else { throw .truncated(need: ip + 40, have: count) }
            guard frame[ip] >> 4 == 6 else { throw .badIPVersion(frame[ip] >> 4) }
            ipHeader = 40
            ipEnd = ip + 40 + Int(frame.be16(ip + 4))
            guard ipEnd <= count else { throw .ipLengthMismatch(declared: ipEnd - ip, available: count - ip) }
            proto = frame[ip + 6]
            switch proto {
            case Self.tcp, Self.udp: break
            case 0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254: throw .ipv6ExtensionHeader(nextHeader: proto)
            default: throw .unsupportedTransport(proto)
            }
        } else {
            guard count >= ip + 20 else { throw .truncated(need: ip + 20, have: count) }
            guard frame[ip] >> 4 == 4 else { throw .badIPVersion(frame[ip] >> 4) }
            ipHeader = Int(frame[ip] & 0x0F) * 4
            guard ipHeader >= 20 else { throw .badIPv4HeaderLength(ipHeader) }
            guard count >= ip + ipHeader else { throw .truncated(need: ip + ipHeader, have: count) }
            let total = Int(frame.be16(ip + 2))
            guard total >= ipHeader, ip + total <= count else {
                throw .ipLengthMismatch(declared: total, available: count - ip)
            }
            ipEnd = ip + total
            // MF set or a non-zero fragment offset.
            guard frame.be16(ip + 6) & 0x3FFF == 0 else { throw .ipFragment }
            proto = frame[ip + 9]
            guard proto == Self.tcp || proto == Self.udp else { throw .unsupportedTransport(proto) }
        }
        let l4 = ip + ipHeader
        let l4Header: Int
        if proto == Self.tcp {
            guard l4 + 20 <= ipEnd else { throw .truncated(need: l4 + 20, have: ipEnd) }
            l4Header = Int(frame[l4 + 12] >> 4) * 4
            guard l4Header >= 20 else { throw .badTCPHeaderLength(l4Header) }
            guard l4 + l4Header <= ipEnd else { throw .truncated(need: l4 + l4Header, have: ipEnd) }
        } else {
            guard l4 + 8 <= ipEnd else { throw .truncated(need: l4 + 8, have: ipEnd) }
            l4Header = 8
        }
        isIPv6 = v6
        ipHeaderLength = ipHeader
        transport = proto
        transportHeaderLength = l4Header
        self.ipEnd = ipEnd
    }

    /// The pseudo-header sum of this frame's addresses for an L4 length of `length`.
    @inlinable
    public func pseudoHeaderSum(_ frame: UnsafeRawBufferPointer, length: Int) -> UInt64 {
        if isIPv6 {
            InternetChecksum.pseudoHeaderIPv6(
                addresses: UnsafeRawBufferPointer(rebasing: frame[(ipOffset + 8)..<(ipOffset + 40)]), proto: transport, length: length)
        } else {
            InternetChecksum.pseudoHeaderIPv4(
                addresses: UnsafeRawBufferPointer(rebasing: frame[(ipOffset + 12)..<(ipOffset + 20)]), proto: transport, length: length)
        }
    }
}

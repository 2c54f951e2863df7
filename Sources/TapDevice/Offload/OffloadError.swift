/// Why a virtio-net header or a frame was refused by the offload code. Every refusal is one of
/// these: input from the kernel or from a peer never traps.
public enum OffloadError: Error, Equatable, Sendable, CustomStringConvertible {
    // virtio-net header
    case truncatedVirtioHeader(length: Int)
    case badVirtioHeaderSize(Int)
    case unknownGSOType(UInt8)
    case unknownVirtioFlags(UInt8)
    /// UFO (gso_type UDP, 3): IP fragmentation offload, obsolete; never enabled by us.
    case unsupportedGSOType(UInt8)
    case zeroGSOSize
    /// csum_start + csum_offset + 2 lies beyond the frame.
    case checksumFieldOutsideFrame(start: Int, offset: Int, frameLength: Int)
    /// NEEDS_CSUM on a GSO frame that does not point at the L4 checksum field.
    case checksumFieldMismatch(start: Int, offset: Int)

    // frame layout
    case truncated(need: Int, have: Int)
    case frameTooLarge(Int)
    /// 802.1Q / 802.1ad tagged frames are not segmented (a TAP with offloads never hands us one).
    case vlanTagged
    case notIP(etherType: UInt16)
    case badIPVersion(UInt8)
    case badIPv4HeaderLength(Int)
    case ipLengthMismatch(declared: Int, available: Int)
    case ipFragment
    /// IPv6 extension headers (hop-by-hop, routing, fragment...) are not walked.
    case ipv6ExtensionHeader(nextHeader: UInt8)
    case unsupportedTransport(UInt8)
    /// gso_type says TCPv4 but the frame is IPv6 (or UDP), etc.
    case gsoTypeMismatch(gsoType: UInt8)
    case badTCPHeaderLength(Int)
    case badUDPLength(declared: Int, available: Int)
    /// hdr_len shorter than the real Ethernet+IP+L4 headers, or longer than the frame.
    case headerLengthMismatch(declared: Int, actual: Int)

    // output
    case tooManySegments(needed: Int, capacity: Int)
    case slotTooSmall(needed: Int, capacity: Int)

    public var description: String {
        switch self {
        case .truncatedVirtioHeader(let n): "virtio-net header truncated (\(n) bytes)"
        case .badVirtioHeaderSize(let n): "virtio-net header size \(n) (10 or 12)"
        case .unknownGSOType(let t): "unknown virtio gso_type \(t)"
        case .unknownVirtioFlags(let f): "unknown virtio flags 0x\(String(f, radix: 16))"
        case .unsupportedGSOType(let t): "unsupported virtio gso_type \(t) (UFO)"
        case .zeroGSOSize: "gso_size 0 on a GSO frame"
        case .checksumFieldOutsideFrame(let s, let o, let n): "csum_start \(s) + csum_offset \(o) beyond a \(n)-byte frame"
        case .checksumFieldMismatch(let s, let o): "csum_start \(s) / csum_offset \(o) do not point at the L4 checksum"
        case .truncated(let need, let have): "frame truncated: need \(need) bytes, have \(have)"
        case .frameTooLarge(let n): "frame of \(n) bytes exceeds 64 KiB"
        case .vlanTagged: "VLAN-tagged frame not supported by the offloads"
        case .notIP(let e): "ethertype 0x\(String(e, radix: 16)) is not IPv4 or IPv6"
        case .badIPVersion(let v): "IP version \(v) does not match the ethertype"
        case .badIPv4HeaderLength(let n): "IPv4 header length \(n)"
        case .ipLengthMismatch(let d, let a): "IP length \(d) does not match the \(a) bytes present"
        case .ipFragment: "IP fragment"
        case .ipv6ExtensionHeader(let h): "IPv6 extension header \(h) not supported"
        case .unsupportedTransport(let p): "IP protocol \(p) is neither TCP nor UDP"
        case .gsoTypeMismatch(let t): "gso_type \(t) does not match the frame's IP version or protocol"
        case .badTCPHeaderLength(let n): "TCP header length \(n)"
        case .badUDPLength(let d, let a): "UDP length \(d) with \(a) bytes present"
        case .headerLengthMismatch(let d, let a): "hdr_len \(d) inconsistent with \(a) bytes of headers"
        case .tooManySegments(let n, let c): "\(n) segments needed, room for \(c)"
        case .slotTooSmall(let n, let c): "segment of \(n) bytes does not fit a \(c)-byte slot"
        }
    }
}

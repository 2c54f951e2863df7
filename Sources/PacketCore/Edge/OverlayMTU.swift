import LinuxSystem
import N2NWire

/// What keeps a frame the overlay cannot carry from vanishing (issue 17 item 4). "Fits" means an
/// IP packet of at most the overlay's MTU (`-M`, the TAP MTU the edge sets): with a bridged TAP,
/// hosts with a 1500-byte MTU send more than that. TCP SYNs crossing the edge in either direction
/// get their MSS option lowered to fit (only SYNs are parsed, so the cost is a few byte loads per
/// frame); a larger IPv4 packet with DF, or a larger IPv6 packet, is answered with ICMP
/// "fragmentation needed" / ICMPv6 "packet too big" naming the MTU. A larger IPv4 packet without
/// DF is sent (the underlay fragments it, as it did before).
///
/// The answer is addressed as if the packet's destination had sent it: IP source = the packet's
/// destination, Ethernet source = its destination MAC. The host checks only that the quoted
/// packet is one of its own; an address of the edge's would not do (the edge's own kernel drops
/// a packet from one of its own addresses as a martian, and the edge has no IPv6 address).
enum OverlayMTU {
    static let ethernetLength = 14
    static let ipv4Overhead = 40   // IPv4 + TCP headers without options
    static let ipv6Overhead = 60
    /// RFC 1812 4.3.2.3: an IPv4 ICMP error stays within 576 bytes.
    static let ipv4QuoteLimit = 576 - 28
    /// RFC 4443 2.4 (c): an ICMPv6 error stays within the minimum IPv6 MTU.
    static let ipv6QuoteLimit = 1280 - 48

    /// A SYN's MSS option that exceeds what fits: where its value and the TCP checksum lie.
    struct MSSField: Equatable {
        var valueOffset: Int
        var checksumOffset: Int
        /// The value's distance from the TCP header is odd (options need no alignment).
        var oddOffset: Bool
        var clamped: UInt16
    }

    @inline(__always)
    static func be16(_ f: UnsafeRawBufferPointer, _ o: Int) -> UInt16 { UInt16(f[o]) << 8 | UInt16(f[o + 1]) }

    @inline(__always)
    static func store16(_ f: UnsafeMutableRawBufferPointer, _ o: Int, _ v: UInt16) {
        f[o] = UInt8(truncatingIfNeeded: v >> 8)
        f[o + 1] = UInt8(truncatingIfNeeded: v)
    }

    /// The MSS option of a TCP SYN (or SYN-ACK) in `f` when it is larger than `mtu` allows; nil for
    /// every other frame. Only first fragments of plain IPv4 and IPv6 without extension headers.
    static func mssField(_ f: UnsafeRawBufferPointer, mtu: Int) -> MSSField? {
        guard f.count >= ethernetLength + 40 + 4 else { return nil }
        let l3 = ethernetLength
        let l4: Int, end: Int, limit: Int
        switch be16(f, 12) {
        case 0x0800:
            let ihl = Int(f[l3] & 0x0F) * 4
            guard f[l3 + 9] == 6, f[l3] >> 4 == 4, ihl >= 20, be16(f, l3 + 6) & 0x1FFF == 0 else { return nil }
            l4 = l3 + ihl
            end = min(f.count, l3 + Int(be16(f, l3 + 2)))
            limit = mtu - ipv4Overhead
        case 0x86DD:
            guard f[l3 + 6] == 6, f[l3] >> 4 == 6 else { return nil }
            l4 = l3 + 40
            end = min(f.count, l4 + Int(be16(f, l3 + 4)))
            limit = mtu - ipv6Overhead
        default:
            return nil
        }
        guard l4 + 20 <= end, f[l4 + 13] & 0x02 != 0, limit > 0 else { return nil }
        let optionsEnd = l4 + Int(f[l4 + 12] >> 4) * 4
        guard optionsEnd <= end else { return nil }
        var i = l4 + 20
        while i < optionsEnd {
            switch f[i] {
            case 0: return nil
            case 1: i += 1
            default:
                guard i + 1 < optionsEnd else { return nil }
                let length = Int(f[i + 1])
                guard length >= 2, i + length <= optionsEnd else { return nil }
                if f[i] == 2 {
                    guard length == 4, Int(be16(f, i + 2)) > limit else { return nil }
                    return MSSField(valueOffset: i + 2, checksumOffset: l4 + 16, oddOffset: (i + 2 - l4) & 1 == 1,
                                    clamped: UInt16(limit))
                }
                i += length
            }
        }
        return nil
    }

    /// Writes the clamped MSS and updates the TCP checksum for it (RFC 1624 eqn. 3).
    static func clamp(_ f: UnsafeMutableRawBufferPointer, _ field: MSSField) {
        let old = be16(UnsafeRawBufferPointer(f), field.valueOffset)
        let checksum = be16(UnsafeRawBufferPointer(f), field.checksumOffset)
        // At an odd distance each byte of the value sits in the other half of its 16-bit word.
        let (o, n) = field.oddOffset ? (old.byteSwapped, field.clamped.byteSwapped) : (old, field.clamped)
        store16(f, field.valueOffset, field.clamped)
        store16(f, field.checksumOffset, InternetChecksum.update(checksum, old: o, new: n))
    }

    /// Why `f` (from the TAP, longer than `mtu` + 14) must be answered instead of sent; nil: send it.
    static func tooBig(_ f: UnsafeRawBufferPointer, mtu: Int) -> DropReason? {
        let l3 = ethernetLength
        switch be16(f, 12) {
        case 0x0800:
            guard f.count >= l3 + 20, f[l3] >> 4 == 4, Int(be16(f, l3 + 2)) > mtu else { return nil }
            return be16(f, l3 + 6) & 0x4000 != 0 ? .txFragmentationNeeded : nil
        case 0x86DD:
            guard f.count >= l3 + 40, f[l3] >> 4 == 6, 40 + Int(be16(f, l3 + 4)) > mtu else { return nil }
            return .txPacketTooBig
        default:
            return nil
        }
    }

    /// Writes the ICMP answer to `f` into `out` (at least 1294 bytes); returns its length, 0 when
    /// none may be sent (RFC 1122 3.2.2 / RFC 4443 2.4: not about a multicast, broadcast or
    /// unspecified address, a non-initial fragment, or another ICMP error).
    static func writeAnswer(to f: UnsafeRawBufferPointer, _ reason: DropReason, mtu: Int,
                            into out: UnsafeMutableRawBufferPointer) -> Int {
        let l3 = ethernetLength
        if reason == .txFragmentationNeeded {
            let source = f[l3 + 12], destination = f[l3 + 16]
            let ihl = Int(f[l3] & 0x0F) * 4
            guard source != 0, source < 224, destination < 224, ihl >= 20, f.count >= l3 + ihl + 1,
                  be16(f, l3 + 6) & 0x1FFF == 0, !(f[l3 + 9] == 1 && isICMPv4Error(f[l3 + ihl])),
                  !(be16(f, l3 + 12) == 0xFFFF && be16(f, l3 + 14) == 0xFFFF) else { return 0 }
            let quoted = min(Int(be16(f, l3 + 2)), f.count - l3, ipv4QuoteLimit)
            let total = l3 + 28 + quoted
            guard out.count >= total else { return 0 }
            writeEthernet(from: f, type: 0x0800, into: out)
            let ip = l3
            out[ip] = 0x45
            out[ip + 1] = 0xC0
            store16(out, ip + 2, UInt16(28 + quoted))
            for i in 4..<8 { out[ip + i] = 0 }
            out[ip + 8] = 64
            out[ip + 9] = 1
            store16(out, ip + 10, 0)
            for i in 0..<4 {
                out[ip + 12 + i] = f[l3 + 16 + i]   // from the packet's destination
                out[ip + 16 + i] = f[l3 + 12 + i]   // to its source
            }
            let icmp = ip + 20
            out[icmp] = 3
            out[icmp + 1] = 4
            store16(out, icmp + 2, 0)
            store16(out, icmp + 4, 0)
            store16(out, icmp + 6, UInt16(clamping: mtu))
            UnsafeMutableRawBufferPointer(rebasing: out[(icmp + 8)..<total])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: f[l3..<(l3 + quoted)]))
            InternetChecksum.fill(out, field: ip + 10, over: ip..<icmp)
            InternetChecksum.fill(out, field: icmp + 2, over: icmp..<total)
            return total
        }
        guard f[l3 + 24] != 0xFF, !isUnspecifiedIPv6(f, at: l3 + 8), f[l3 + 8] != 0xFF,
              !(f[l3 + 6] == 58 && f.count > l3 + 40 && f[l3 + 40] < 128) else { return 0 }
        let quoted = min(40 + Int(be16(f, l3 + 4)), f.count - l3, ipv6QuoteLimit)
        let total = l3 + 48 + quoted
        guard out.count >= total else { return 0 }
        writeEthernet(from: f, type: 0x86DD, into: out)
        let ip = l3
        store16(out, ip, 0x6000)
        store16(out, ip + 2, 0)
        store16(out, ip + 4, UInt16(8 + quoted))
        out[ip + 6] = 58
        out[ip + 7] = 64
        for i in 0..<16 {
            out[ip + 8 + i] = f[l3 + 24 + i]
            out[ip + 24 + i] = f[l3 + 8 + i]
        }
        let icmp = ip + 40
        out[icmp] = 2
        out[icmp + 1] = 0
        store16(out, icmp + 2, 0)
        store16(out, icmp + 4, UInt16(truncatingIfNeeded: mtu >> 16))
        store16(out, icmp + 6, UInt16(truncatingIfNeeded: mtu))
        UnsafeMutableRawBufferPointer(rebasing: out[(icmp + 8)..<total])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: f[l3..<(l3 + quoted)]))
        let pseudo = InternetChecksum.pseudoHeaderIPv6(addresses: UnsafeRawBufferPointer(rebasing: out[(ip + 8)..<(ip + 40)]),
                                                       proto: 58, length: total - icmp)
        InternetChecksum.fill(out, field: icmp + 2, over: icmp..<total, initial: pseudo)
        return total
    }

    static func isICMPv4Error(_ type: UInt8) -> Bool { type == 3 || type == 4 || type == 5 || type == 11 || type == 12 }

    static func isUnspecifiedIPv6(_ f: UnsafeRawBufferPointer, at o: Int) -> Bool {
        for i in 0..<16 where f[o + i] != 0 { return false }
        return true
    }

    /// Back to the sender: to its MAC, from the MAC it sent to.
    static func writeEthernet(from f: UnsafeRawBufferPointer, type: UInt16, into out: UnsafeMutableRawBufferPointer) {
        for i in 0..<6 {
            out[i] = f[6 + i]
            out[6 + i] = f[i]
        }
        store16(out, 12, type)
    }
}

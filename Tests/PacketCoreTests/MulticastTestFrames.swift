import N2NWire
@testable import PacketCore

// Frames for the multicast tests, built byte by byte here (not with the module's builders), with an
// independent checksum, so that parser and builder are checked against a second implementation.

let mcastSecond: Int64 = 1_000_000_000

/// RFC 1071 over a byte array, pairing bytes by hand; 0 when the bytes include a correct checksum.
func referenceChecksum(_ bytes: [UInt8]) -> UInt16 {
    var sum: UInt32 = 0
    var i = 0
    while i < bytes.count {
        let high = UInt32(bytes[i])
        let low = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
        sum += high * 256 + low
        i += 2
    }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~UInt16(sum)
}

func bytes(of address: InetAddress) -> [UInt8] {
    switch address {
    case .v4(let a): return (0..<4).map { UInt8(truncatingIfNeeded: a >> (24 - 8 * UInt32($0))) }
    case .v6(let h, let l):
        return (0..<8).map { UInt8(truncatingIfNeeded: h >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: l >> (56 - 8 * UInt64($0))) }
    }
}

func be16Bytes(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }

/// The ICMPv6 pseudo-header of RFC 8200 8.1, as bytes.
func pseudoHeader(source: InetAddress, destination: InetAddress, length: Int) -> [UInt8] {
    bytes(of: source) + bytes(of: destination) + [0, 0] + be16Bytes(length) + [0, 0, 0, 58]
}

enum McastFrames {
    static let hostMAC = MACAddress(0x02, 0x11, 0x22, 0x33, 0x44, 0x55)
    static let hostIP: UInt32 = 0x0A00_0005               // 10.0.0.5
    static let linkLocal = InetAddress.v6(0xFE80_0000_0000_0000, 0x0011_22FF_FE33_4455)

    static func ethernet(dst: MACAddress, src: MACAddress = hostMAC, type: UInt16, payload: [UInt8]) -> [UInt8] {
        dst.octets + src.octets + be16Bytes(Int(type)) + payload
    }

    /// An IPv4 packet with its header checksum; the Router Alert option unless `routerAlert` is false.
    static func ipv4(src: UInt32 = hostIP, dst: UInt32, ttl: UInt8 = 1, proto: UInt8 = 2, routerAlert: Bool = true,
                     payload: [UInt8]) -> [UInt8] {
        let options: [UInt8] = routerAlert ? [0x94, 0x04, 0x00, 0x00] : []
        let headerLength = 20 + options.count
        var header: [UInt8] = [UInt8(0x40 | headerLength / 4), 0xC0] + be16Bytes(headerLength + payload.count)
            + [0, 0, 0, 0, ttl, proto, 0, 0] + bytes(of: .v4(src)) + bytes(of: .v4(dst)) + options
        let c = referenceChecksum(header)
        header[10] = UInt8(c >> 8)
        header[11] = UInt8(c & 0xFF)
        return header + payload
    }

    /// An IGMP message with its checksum filled in: type, code, group, then `rest`.
    static func igmp(type: UInt8, code: UInt8 = 0, group: UInt32, rest: [UInt8] = []) -> [UInt8] {
        var m: [UInt8] = [type, code, 0, 0] + bytes(of: .v4(group)) + rest
        let c = referenceChecksum(m)
        m[2] = UInt8(c >> 8)
        m[3] = UInt8(c & 0xFF)
        return m
    }

    static func igmpFrame(dst: UInt32, _ igmp: [UInt8], routerAlert: Bool = true) -> [UInt8] {
        ethernet(dst: InetAddress.v4(dst).multicastMAC, type: 0x0800, payload: ipv4(dst: dst, routerAlert: routerAlert, payload: igmp))
    }

    struct Record {
        var type: UInt8
        var group: InetAddress
        var sources: Int = 0
        var aux: Int = 0
    }

    /// Group records of an IGMPv3 (IPv4 groups) or MLDv2 (IPv6 groups) report; sources are filled with 0x0a.
    static func records(_ records: [Record]) -> [UInt8] {
        var out: [UInt8] = []
        for r in records {
            out += [r.type, UInt8(r.aux)] + be16Bytes(r.sources) + bytes(of: r.group)
            out += [UInt8](repeating: 0x0A, count: r.sources * (r.group.isIPv4 ? 4 : 16) + 4 * r.aux)
        }
        return out
    }

    static func igmpV3Report(_ recs: [Record], declaredCount: Int? = nil) -> [UInt8] {
        // Type 0x22, reserved, checksum, reserved, number of records: the "group" field holds the last two.
        var m: [UInt8] = [0x22, 0, 0, 0, 0, 0] + be16Bytes(declaredCount ?? recs.count) + records(recs)
        let c = referenceChecksum(m)
        m[2] = UInt8(c >> 8)
        m[3] = UInt8(c & 0xFF)
        return m
    }

    /// An IPv6 frame to `dst` (its 33:33 MAC), with a hop-by-hop Router Alert header unless
    /// `hopByHop` is false, and the ICMPv6 checksum over the pseudo-header.
    static func icmpv6Frame(src: InetAddress = linkLocal, dst: InetAddress, hopLimit: UInt8 = 1, hopByHop: Bool = true,
                            icmp: [UInt8]) -> [UInt8] {
        var message = icmp
        message[2] = 0
        message[3] = 0
        let c = referenceChecksum(pseudoHeader(source: src, destination: dst, length: message.count) + message)
        message[2] = UInt8(c >> 8)
        message[3] = UInt8(c & 0xFF)
        let hbh: [UInt8] = hopByHop ? [58, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00] : []
        let ip: [UInt8] = [0x60, 0, 0, 0] + be16Bytes(hbh.count + message.count) + [hopByHop ? 0 : 58, hopLimit]
            + bytes(of: src) + bytes(of: dst)
        return ethernet(dst: dst.multicastMAC, type: 0x86DD, payload: ip + hbh + message)
    }

    /// MLDv1 message (report 131, done 132, query 130): type, code, checksum, max delay, reserved, address.
    static func mldV1(type: UInt8, maxDelay: Int = 0, address: InetAddress) -> [UInt8] {
        [type, 0, 0, 0] + be16Bytes(maxDelay) + [0, 0] + bytes(of: address)
    }

    static func mldV2Query(maxCode: Int, group: InetAddress, qrv: UInt8 = 2, qqic: UInt8 = 125, sources: Int = 0) -> [UInt8] {
        mldV1(type: 130, maxDelay: maxCode, address: group) + [qrv, qqic] + be16Bytes(sources)
            + [UInt8](repeating: 0x0B, count: 16 * sources)
    }

    static func mldV2Report(_ recs: [Record], declaredCount: Int? = nil) -> [UInt8] {
        [143, 0, 0, 0, 0, 0] + be16Bytes(declaredCount ?? recs.count) + records(recs)
    }

    /// An IPv4 multicast UDP datagram to `group` (application data, not IGMP).
    static func udp4(to group: UInt32, payload: Int = 100) -> [UInt8] {
        ethernet(dst: InetAddress.v4(group).multicastMAC, type: 0x0800,
                 payload: ipv4(dst: group, ttl: 8, proto: 17, routerAlert: false, payload: [UInt8](repeating: 0x55, count: payload)))
    }

    static func udp6(to group: InetAddress, payload: Int = 100) -> [UInt8] {
        let ip: [UInt8] = [0x60, 0, 0, 0] + be16Bytes(payload) + [17, 8] + bytes(of: linkLocal) + bytes(of: group)
        return ethernet(dst: group.multicastMAC, type: 0x86DD, payload: ip + [UInt8](repeating: 0x66, count: payload))
    }
}

/// Parses `frame`, returning the packet or the error.
func parseFrame(_ frame: [UInt8]) -> Result<MembershipPacket, MembershipParseError> {
    frame.withUnsafeBytes { b in
        do throws(MembershipParseError) {
            return .success(try MembershipParser.parse(frame: b))
        } catch {
            return .failure(error)
        }
    }
}

/// A comparable rendering of what a parse gave (the records are read while the frame is alive).
func parseSummary(_ frame: [UInt8]) -> String {
    frame.withUnsafeBytes { b in
        do throws(MembershipParseError) {
            let p = try MembershipParser.parse(frame: b)
            switch p.message {
            case .report(let g, let v): return "report \(g) \(v)"
            case .leave(let g, let v): return "leave \(g) \(v)"
            case .recordReport(let list, let v):
                return "records \(v) " + list.map { "\($0.type) \($0.group) \($0.sourceCount)" }.joined(separator: ",")
            case .query(let q): return "query \(q)"
            }
        } catch {
            return "error \(error)"
        }
    }
}

import LinuxSystem
import Testing
@testable import TapDevice

// Test-side frame builder and an independent verifier: the checksum here is a plain byte-by-byte
// RFC 1071 sum over big-endian words, sharing nothing with InternetChecksum.

/// The RFC 1071 checksum of `bytes`, one 16-bit big-endian word at a time.
func referenceChecksum(_ bytes: [UInt8]) -> UInt16 {
    var sum: UInt32 = 0
    var i = 0
    while i + 1 < bytes.count {
        sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
        i += 2
    }
    if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
    while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~UInt16(sum)
}

func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
func read16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) << 8 | Int(b[o + 1]) }
func read32(_ b: [UInt8], _ o: Int) -> UInt32 { UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3]) }

let macA: [UInt8] = [0x02, 0, 0, 0, 0xAA, 0x01]
let macB: [UInt8] = [0x02, 0, 0, 0, 0xBB, 0x02]
let ipv4A: [UInt8] = [10, 99, 0, 1]
let ipv4B: [UInt8] = [10, 99, 0, 2]
let ipv6A: [UInt8] = [0xFD, 0x00, 0x0E, 0x11] + [UInt8](repeating: 0, count: 11) + [1]
let ipv6B: [UInt8] = [0xFD, 0x00, 0x0E, 0x11] + [UInt8](repeating: 0, count: 11) + [2]

let tcpFIN: UInt8 = 0x01, tcpSYN: UInt8 = 0x02, tcpRST: UInt8 = 0x04, tcpPSH: UInt8 = 0x08
let tcpACK: UInt8 = 0x10, tcpURG: UInt8 = 0x20, tcpECE: UInt8 = 0x40, tcpCWR: UInt8 = 0x80

/// Timestamps option (NOP NOP TS) with the given values.
func timestampOption(_ value: UInt32, _ echo: UInt32) -> [UInt8] { [1, 1, 8, 10] + be32(value) + be32(echo) }

/// What a test frame is made of; `build` gives the bytes with correct checksums (reference routine).
struct TestPacket {
    var v6 = false
    var tcp = true
    var srcPort = 40000
    var dstPort = 5201
    var seq: UInt32 = 1_000_000
    var ack: UInt32 = 777
    var flags: UInt8 = tcpACK
    var window = 512
    var ipID = 0x1234
    var ttl: UInt8 = 64
    var tos: UInt8 = 0
    var dontFragment = true
    var ipOptions: [UInt8] = []
    var tcpOptions: [UInt8] = []
    var payload: [UInt8] = []
    var srcIP: [UInt8]? = nil

    /// The frame; `partial`: the L4 checksum field holds the folded pseudo-header sum (NEEDS_CSUM style).
    func build(partial: Bool = false) -> [UInt8] {
        let l4Header = tcp ? 20 + tcpOptions.count : 8
        let l4Length = l4Header + payload.count
        var l4: [UInt8] = be16(srcPort) + be16(dstPort)
        if tcp {
            l4 += be32(seq) + be32(ack) + [UInt8((l4Header / 4) << 4), flags] + be16(window) + [0, 0, 0, 0] + tcpOptions
        } else {
            l4 += be16(l4Length) + [0, 0]
        }
        l4 += payload
        let source = srcIP ?? (v6 ? ipv6A : ipv4A)
        let destination = v6 ? ipv6B : ipv4B
        let proto: UInt8 = tcp ? 6 : 17
        let pseudo = source + destination + (v6 ? be32(UInt32(l4Length)) + [0, 0, 0, proto] : [0, proto] + be16(l4Length))
        let field = tcp ? 16 : 6
        if partial {
            let folded = ~referenceChecksum(pseudo)
            l4[field] = UInt8(folded >> 8)
            l4[field + 1] = UInt8(folded & 0xFF)
        } else {
            var c = referenceChecksum(pseudo + l4)
            if c == 0 && !tcp { c = 0xFFFF }
            l4[field] = UInt8(c >> 8)
            l4[field + 1] = UInt8(c & 0xFF)
        }
        var ip: [UInt8]
        if v6 {
            ip = [0x60 | (tos >> 4), (tos & 0x0F) << 4, 0, 0] + be16(l4Length) + [proto, ttl] + source + destination
        } else {
            let headerLength = 20 + ipOptions.count
            ip = [UInt8(0x40 | headerLength / 4), tos] + be16(headerLength + l4Length) + be16(ipID)
                + [dontFragment ? 0x40 : 0, 0, ttl, proto, 0, 0] + source + destination + ipOptions
            let c = referenceChecksum(ip)
            ip[10] = UInt8(c >> 8)
            ip[11] = UInt8(c & 0xFF)
        }
        return macB + macA + (v6 ? [0x86, 0xDD] : [0x08, 0x00]) + ip + l4
    }
}

/// A frame as the independent verifier read it.
struct CheckedFrame {
    var v6: Bool
    var tcp: Bool
    var ipID: Int
    var seq: UInt32
    var flags: UInt8
    var payload: [UInt8]
    var ttl: UInt8
}

enum VerifyError: Error, CustomStringConvertible {
    case bad(String)
    var description: String { switch self { case .bad(let s): s } }
}

/// Verifies a plain Ethernet frame as a receiver would: lengths consistent with the frame, IPv4 header
/// checksum, L4 checksum over the pseudo-header (reference routine). Throws with the reason.
func verifyFrame(_ f: [UInt8]) throws -> CheckedFrame {
    guard f.count >= 14 else { throw VerifyError.bad("short frame") }
    let type = read16(f, 12)
    let v6 = type == 0x86DD
    guard v6 || type == 0x0800 else { throw VerifyError.bad("ethertype \(type)") }
    let ipHeader: Int, proto: UInt8, source: [UInt8], destination: [UInt8], ipID: Int, ttl: UInt8
    if v6 {
        guard f.count >= 54, f[14] >> 4 == 6 else { throw VerifyError.bad("IPv6 header") }
        guard 54 + read16(f, 18) == f.count else { throw VerifyError.bad("IPv6 payload length \(read16(f, 18)) for \(f.count)") }
        ipHeader = 40
        proto = f[20]
        ttl = f[21]
        source = Array(f[22..<38])
        destination = Array(f[38..<54])
        ipID = 0
    } else {
        guard f.count >= 34, f[14] >> 4 == 4 else { throw VerifyError.bad("IPv4 header") }
        ipHeader = Int(f[14] & 0x0F) * 4
        guard 14 + read16(f, 16) == f.count else { throw VerifyError.bad("IPv4 total length \(read16(f, 16)) for \(f.count)") }
        guard referenceChecksum(Array(f[14..<(14 + ipHeader)])) == 0 else { throw VerifyError.bad("IPv4 header checksum") }
        proto = f[23]
        ttl = f[22]
        source = Array(f[26..<30])
        destination = Array(f[30..<34])
        ipID = read16(f, 18)
    }
    let l4 = 14 + ipHeader
    let segment = Array(f[l4...])
    let pseudo = source + destination + (v6 ? be32(UInt32(segment.count)) + [0, 0, 0, proto] : [0, proto] + be16(segment.count))
    guard referenceChecksum(pseudo + segment) == 0 else { throw VerifyError.bad("L4 checksum") }
    if proto == 6 {
        let headerLength = Int(segment[12] >> 4) * 4
        return CheckedFrame(v6: v6, tcp: true, ipID: ipID, seq: read32(segment, 4), flags: segment[13],
                            payload: Array(segment[headerLength...]), ttl: ttl)
    }
    guard proto == 17 else { throw VerifyError.bad("protocol \(proto)") }
    guard read16(segment, 4) == segment.count else { throw VerifyError.bad("UDP length") }
    guard read16(segment, 6) != 0 else { throw VerifyError.bad("UDP checksum missing") }
    return CheckedFrame(v6: v6, tcp: false, ipID: ipID, seq: 0, flags: 0, payload: Array(segment[8...]), ttl: ttl)
}

/// Deterministic payload bytes.
func payloadBytes(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &+ ($0 >> 8)) }
}

/// Bytes of a virtio-net header (test-side encoding, little-endian).
func virtioBytes(flags: UInt8 = 0, gso: UInt8 = 0, hdrLen: Int = 0, gsoSize: Int = 0, csumStart: Int = 0, csumOffset: Int = 0) -> [UInt8] {
    [flags, gso, UInt8(hdrLen & 0xFF), UInt8(hdrLen >> 8), UInt8(gsoSize & 0xFF), UInt8(gsoSize >> 8),
     UInt8(csumStart & 0xFF), UInt8(csumStart >> 8), UInt8(csumOffset & 0xFF), UInt8(csumOffset >> 8)]
}

/// The frames of a batch, as arrays.
func frames(of batch: FrameBatch) -> [[UInt8]] { (0..<batch.count).map { Array(batch[$0]) } }

/// Segments `frame` with `header` into a fresh batch.
func segmentFrame(_ frame: [UInt8], _ header: VirtioNetHeader, capacity: Int = 64, slot: Int = 2048) throws(OffloadError) -> [[UInt8]] {
    let batch = FrameBatch(capacity: capacity, frameCapacity: slot, headroom: 32)
    var slots = batch
    let bytes = frame
    let result: Result<Int, OffloadError> = bytes.withUnsafeBytes { raw in
        do throws(OffloadError) { return .success(try Segmenter.segment(raw, header: header, into: &slots)) } catch { return .failure(error) }
    }
    switch result {
    case .success(let n):
        #expect(n == batch.count)
        return frames(of: batch)
    case .failure(let e): throw e
    }
}

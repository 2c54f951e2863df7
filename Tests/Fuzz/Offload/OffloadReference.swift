// A slow, independent checker for the offload fuzz targets: byte-wise RFC 1071 sums over big-endian words
// and a frame builder for seeds. Shares no code with TapOffload's InternetChecksum.

/// The folded (not complemented) ones' complement sum of `bytes`, word by word.
func referenceSum(_ bytes: ArraySlice<UInt8>, initial: UInt32 = 0) -> UInt16 {
    var sum = initial
    var i = bytes.startIndex
    while i + 1 < bytes.endIndex {
        sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
        sum = (sum & 0xFFFF) + (sum >> 16)
        i += 2
    }
    if i < bytes.endIndex { sum += UInt32(bytes[i]) << 8 }
    while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
    return UInt16(sum)
}

func readBE16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) << 8 | Int(b[o + 1]) }

/// The IP header length and L4 protocol of a frame `verifyPlainFrame` accepted.
struct ReferenceLayout {
    var v6: Bool
    var ipHeader: Int
    var proto: UInt8
    var l4: Int { 14 + ipHeader }
}

/// Checks a frame as a receiving stack would: lengths consistent with the frame size, IPv4 header
/// checksum, TCP/UDP checksum with the pseudo-header. Returns nil when valid, else why not.
func verifyPlainFrame(_ f: [UInt8]) -> String? {
    switch referenceLayout(f) {
    case .failure(let why): return why.text
    case .success(let layout):
        guard referenceL4Sum(f, layout) == 0xFFFF else { return "L4 checksum" }
        if layout.proto == 17 && readBE16(f, layout.l4 + 6) == 0 { return "UDP checksum 0" }
        return nil
    }
}

struct Why: Error { var text: String }

func referenceLayout(_ f: [UInt8]) -> Result<ReferenceLayout, Why> {
    guard f.count >= 14 else { return .failure(Why(text: "short")) }
    let type = readBE16(f, 12)
    let layout: ReferenceLayout
    if type == 0x86DD {
        guard f.count >= 54, f[14] >> 4 == 6 else { return .failure(Why(text: "IPv6 header")) }
        guard 54 + readBE16(f, 18) == f.count else { return .failure(Why(text: "IPv6 payload length")) }
        layout = ReferenceLayout(v6: true, ipHeader: 40, proto: f[20])
    } else if type == 0x0800 {
        guard f.count >= 34, f[14] >> 4 == 4 else { return .failure(Why(text: "IPv4 header")) }
        let ihl = Int(f[14] & 0x0F) * 4
        guard ihl >= 20, f.count >= 14 + ihl else { return .failure(Why(text: "IHL")) }
        guard 14 + readBE16(f, 16) == f.count else { return .failure(Why(text: "IPv4 total length")) }
        guard referenceSum(f[14..<(14 + ihl)]) == 0xFFFF else { return .failure(Why(text: "IPv4 header checksum")) }
        layout = ReferenceLayout(v6: false, ipHeader: ihl, proto: f[23])
    } else {
        return .failure(Why(text: "ethertype"))
    }
    let segment = f.count - layout.l4
    if layout.proto == 6 {
        guard segment >= 20, Int(f[layout.l4 + 12] >> 4) * 4 >= 20, Int(f[layout.l4 + 12] >> 4) * 4 <= segment else {
            return .failure(Why(text: "TCP header"))
        }
    } else if layout.proto == 17 {
        guard segment >= 8, readBE16(f, layout.l4 + 4) == segment else { return .failure(Why(text: "UDP length")) }
    } else {
        return .failure(Why(text: "protocol"))
    }
    return .success(layout)
}

/// The folded sum of pseudo-header + L4 segment (0xFFFF when the checksum is right).
func referenceL4Sum(_ f: [UInt8], _ layout: ReferenceLayout) -> UInt16 {
    let length = f.count - layout.l4
    var pseudo: [UInt8] = layout.v6 ? Array(f[22..<54]) + [0, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 0, 0, layout.proto]
        : Array(f[26..<34]) + [0, layout.proto, UInt8(length >> 8), UInt8(length & 0xFF)]
    pseudo += f[layout.l4...]
    return referenceSum(pseudo[...])
}

/// Rewrites the IPv4 header checksum and the L4 checksum of a frame whose layout parses (so mutated
/// inputs still reach the merge logic); leaves anything else alone.
func referenceFixChecksums(_ f: inout [UInt8]) {
    guard case .success(let layout) = referenceLayout(f) else { return }
    if !layout.v6 {
        f[24] = 0; f[25] = 0
        let c = ~referenceSum(f[14..<layout.l4])
        f[24] = UInt8(c >> 8); f[25] = UInt8(c & 0xFF)
    }
    let field = layout.l4 + (layout.proto == 6 ? 16 : 6)
    f[field] = 0; f[field + 1] = 0
    var c = ~referenceL4Sum(f, layout)
    if c == 0 && layout.proto == 17 { c = 0xFFFF }
    f[field] = UInt8(c >> 8); f[field + 1] = UInt8(c & 0xFF)
}

/// A seed frame: Ethernet + IPv4/IPv6 + TCP (timestamps option) or UDP, checksums complete, or with only
/// the pseudo-header sum in the L4 field when `partial`.
func seedFrame(v6: Bool, tcp: Bool, seq: UInt32, flags: UInt8, payload: [UInt8], ipID: Int = 0x100, partial: Bool = false) -> [UInt8] {
    let options: [UInt8] = tcp ? [1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7] : []
    let l4Header = tcp ? 20 + options.count : 8
    let l4Length = l4Header + payload.count
    var l4: [UInt8] = [0x9C, 0x40, 0x14, 0x51]
    if tcp {
        l4 += [UInt8(seq >> 24), UInt8((seq >> 16) & 0xFF), UInt8((seq >> 8) & 0xFF), UInt8(seq & 0xFF), 0, 0, 3, 9,
               UInt8(l4Header / 4) << 4, flags, 0x02, 0x00, 0, 0, 0, 0] + options
    } else {
        l4 += [UInt8(l4Length >> 8), UInt8(l4Length & 0xFF), 0, 0]
    }
    l4 += payload
    let src: [UInt8] = v6 ? [0xFD] + [UInt8](repeating: 0, count: 14) + [1] : [10, 98, 0, 1]
    let dst: [UInt8] = v6 ? [0xFD] + [UInt8](repeating: 0, count: 14) + [2] : [10, 98, 0, 2]
    let proto: UInt8 = tcp ? 6 : 17
    let ip: [UInt8] = v6
        ? [0x60, 0, 0, 0, UInt8(l4Length >> 8), UInt8(l4Length & 0xFF), proto, 64] + src + dst
        : [0x45, 0, UInt8((20 + l4Length) >> 8), UInt8((20 + l4Length) & 0xFF), UInt8(ipID >> 8), UInt8(ipID & 0xFF),
           0x40, 0, 64, proto, 0, 0] + src + dst
    var f: [UInt8] = [2, 0, 0, 0, 0xBB, 2, 2, 0, 0, 0, 0xAA, 1] + (v6 ? [0x86, 0xDD] : [0x08, 0x00]) + ip + l4
    referenceFixChecksums(&f)
    if partial {
        let l4Offset = v6 ? 54 : 34
        let field = l4Offset + (tcp ? 16 : 6)
        let pseudo: [UInt8] = v6 ? src + dst + [0, 0, UInt8(l4Length >> 8), UInt8(l4Length & 0xFF), 0, 0, 0, proto]
            : src + dst + [0, proto, UInt8(l4Length >> 8), UInt8(l4Length & 0xFF)]
        let folded = referenceSum(pseudo[...])
        f[field] = UInt8(folded >> 8); f[field + 1] = UInt8(folded & 0xFF)
    }
    return f
}

func littleEndianVirtio(flags: UInt8, gso: UInt8, hdrLen: Int, gsoSize: Int, csumStart: Int, csumOffset: Int) -> [UInt8] {
    [flags, gso] + [hdrLen, gsoSize, csumStart, csumOffset].flatMap { [UInt8($0 & 0xFF), UInt8(($0 >> 8) & 0xFF)] }
}

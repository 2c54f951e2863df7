import LinuxSystem
import TapDevice

/// Super-frames as a TAP with TSO/USO hands them over: 45 segments of 1448 bytes (65,160 bytes of payload,
/// a 65,226-byte TCPv4 frame with the timestamps option), NEEDS_CSUM with the pseudo-header sum in place.
enum OffloadFixture {
    static let segments = 45
    static let segmentSize = 1448
    static let payload = segments * segmentSize

    static func superFrame(v6: Bool, tcp: Bool) -> (frame: UnsafeMutableRawBufferPointer, header: VirtioNetHeader) {
        let l4Header = tcp ? 32 : 8
        let ipHeader = v6 ? 40 : 20
        let l4Length = l4Header + payload
        func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        let src: [UInt8] = v6 ? [0xFD] + [UInt8](repeating: 0, count: 14) + [1] : [10, 97, 0, 1]
        let dst: [UInt8] = v6 ? [0xFD] + [UInt8](repeating: 0, count: 14) + [2] : [10, 97, 0, 2]
        let proto: UInt8 = tcp ? 6 : 17
        var bytes: [UInt8] = [2, 0, 0, 0, 0xBB, 2, 2, 0, 0, 0, 0xAA, 1] + (v6 ? [0x86, 0xDD] : [0x08, 0x00])
        bytes += v6 ? [0x60, 0, 0, 0] + be16(l4Length) + [proto, 64] + src + dst
            : [0x45, 0] + be16(ipHeader + l4Length) + [0x12, 0x34, 0x40, 0, 64, proto, 0, 0] + src + dst
        bytes += [0x9C, 0x40, 0x14, 0x51]
        bytes += tcp ? [0, 1, 0, 0, 0, 0, 3, 9, 0x80, 0x18, 0x02, 0x00, 0, 0, 0, 0, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7]
            : be16(l4Length) + [0, 0]
        var state: UInt32 = 0x9E37_79B9
        for _ in 0..<payload {
            state = state &* 1_664_525 &+ 1_013_904_223
            bytes.append(UInt8(truncatingIfNeeded: state >> 24))
        }
        let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 64)
        frame.copyBytes(from: bytes)
        let l4 = 14 + ipHeader
        let field = l4 + (tcp ? 16 : 6)
        let pseudo = v6
            ? InternetChecksum.pseudoHeaderIPv6(addresses: UnsafeRawBufferPointer(rebasing: frame[22..<54]), proto: proto, length: l4Length)
            : InternetChecksum.pseudoHeaderIPv4(addresses: UnsafeRawBufferPointer(rebasing: frame[26..<34]), proto: proto, length: l4Length)
        InternetChecksum.store(InternetChecksum.fold(pseudo), in: frame, at: field)
        let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: tcp ? (v6 ? .tcpv6 : .tcpv4) : .udpL4,
                                     headerLength: UInt16(l4 + l4Header), gsoSize: UInt16(segmentSize),
                                     checksumStart: UInt16(l4), checksumOffset: tcp ? 16 : 6)
        return (frame, header)
    }

    /// The plain segments of a super-frame (valid checksums), as a peer would send them.
    static func segmentsOf(_ fixture: (frame: UnsafeMutableRawBufferPointer, header: VirtioNetHeader)) -> FrameBatch {
        let batch = FrameBatch(capacity: 64, frameCapacity: 1600)
        var slots = batch
        do {
            let n = try Segmenter.segment(UnsafeRawBufferPointer(fixture.frame), header: fixture.header, into: &slots)
            guard n == segments else { fatalError("fixture: \(n) segments") }
        } catch {
            fatalError("fixture: \(error)")
        }
        return batch
    }
}

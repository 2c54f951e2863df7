import LinuxSystem
import Testing
@testable import TapDevice

@Suite struct OffloadSegmenterTests {
    /// A TSO super-frame as the kernel hands it over: full IP length, NEEDS_CSUM with the pseudo-header sum.
    func superFrame(_ p: TestPacket, gsoSize: Int) -> ([UInt8], VirtioNetHeader) {
        let frame = p.build(partial: true)
        let ipHeader = p.v6 ? 40 : 20 + p.ipOptions.count
        let l4Header = p.tcp ? 20 + p.tcpOptions.count : 8
        let gso: VirtioNetHeader.GSOType = p.tcp ? (p.v6 ? .tcpv6 : .tcpv4) : .udpL4
        let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: gso,
                                     headerLength: UInt16(14 + ipHeader + l4Header), gsoSize: UInt16(gsoSize),
                                     checksumStart: UInt16(14 + ipHeader), checksumOffset: p.tcp ? 16 : 6)
        return (frame, header)
    }

    @Test(arguments: [(false, 1448), (true, 1428), (false, 1000), (true, 1)])
    func tcpSuperFrameSplitsIntoValidSegments(v6: Bool, gsoSize: Int) throws {
        let payload = payloadBytes(v6 ? 65_000 : 64_000)
        var p = TestPacket(v6: v6, flags: tcpACK | tcpPSH | tcpFIN | tcpCWR, tcpOptions: timestampOption(5, 6), payload: payload)
        p.ipID = 0xFFF0  // wraps during the run
        p.seq = 0xFFFF_F000  // sequence numbers wrap too
        if gsoSize == 1 { p.payload = Array(payload[..<60]) }
        let (frame, header) = superFrame(p, gsoSize: gsoSize)
        let out = try segmentFrame(frame, header, capacity: 64)
        let expectedCount = (p.payload.count + gsoSize - 1) / gsoSize
        #expect(out.count == expectedCount)
        var joined: [UInt8] = []
        for (i, f) in out.enumerated() {
            let c = try verifyFrame(f)
            #expect(c.tcp && c.v6 == v6)
            #expect(c.payload.count == (i == out.count - 1 ? p.payload.count - gsoSize * i : gsoSize))
            #expect(c.seq == p.seq &+ UInt32(i * gsoSize))
            if !v6 { #expect(c.ipID == (p.ipID + i) & 0xFFFF) }
            let last = i == out.count - 1
            #expect((c.flags & tcpFIN != 0) == last)
            #expect((c.flags & tcpPSH != 0) == last)
            #expect((c.flags & tcpCWR != 0) == (i == 0))
            #expect(c.flags & tcpACK != 0)
            #expect(Array(f[0..<14]) == Array(frame[0..<14]))
            // TCP options are copied into every segment.
            let l4 = v6 ? 54 : 34
            #expect(Array(f[(l4 + 20)..<(l4 + 32)]) == timestampOption(5, 6))
            #expect(f.count <= 14 + (v6 ? 40 : 20) + 32 + gsoSize)
            joined += c.payload
        }
        #expect(joined == p.payload)
    }

    @Test func ipv4OptionsAreKeptAndChecksummed() throws {
        let p = TestPacket(ipOptions: [0x94, 0x04, 0, 0], payload: payloadBytes(5000))  // router alert
        let (frame, header) = superFrame(p, gsoSize: 1400)
        let out = try segmentFrame(frame, header)
        #expect(out.count == 4)
        for f in out {
            _ = try verifyFrame(f)
            #expect(f[14] == 0x46)
            #expect(Array(f[34..<38]) == [0x94, 0x04, 0, 0])
        }
    }

    @Test(arguments: [false, true])
    func udpSuperFrameSplitsIntoDatagrams(v6: Bool) throws {
        let p = TestPacket(v6: v6, tcp: false, payload: payloadBytes(20_000, seed: 3))
        let (frame, header) = superFrame(p, gsoSize: 1200)
        let out = try segmentFrame(frame, header)
        #expect(out.count == 17)
        var joined: [UInt8] = []
        for (i, f) in out.enumerated() {
            let c = try verifyFrame(f)
            #expect(!c.tcp && c.v6 == v6)
            #expect(c.payload.count == (i == 16 ? 20_000 - 16 * 1200 : 1200))
            if !v6 { #expect(c.ipID == p.ipID + i) }
            joined += c.payload
        }
        #expect(joined == p.payload)
    }

    @Test func nonGSOFrameGetsItsPartialChecksumCompleted() throws {
        for p in [TestPacket(payload: payloadBytes(999)), TestPacket(v6: true, tcp: false, payload: payloadBytes(77)),
                  TestPacket(tcp: false, payload: [])] {
            var frame = p.build(partial: true)
            #expect(throws: VerifyError.self) { try verifyFrame(frame) }  // partial: not yet valid
            let l4 = p.v6 ? 54 : 34
            let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, checksumStart: UInt16(l4), checksumOffset: p.tcp ? 16 : 6)
            let out = try segmentFrame(frame, header)
            #expect(out.count == 1)
            #expect(out[0] == p.build())
            // In place gives the same bytes.
            try frame.withUnsafeMutableBytes { try Segmenter.completeChecksum($0, header: header) }
            #expect(frame == p.build())
        }
    }

    @Test func nonGSOFrameWithoutChecksumRequestIsCopiedAsIs() throws {
        let arp = [UInt8](repeating: 0xFF, count: 6) + macA + [0x08, 0x06] + payloadBytes(28)
        #expect(try segmentFrame(arp, VirtioNetHeader()) == [arp])
    }

    @Test func segmentedRefusalsAreTypedAndWriteNothing() throws {
        let p = TestPacket(payload: payloadBytes(10_000))
        let (frame, header) = superFrame(p, gsoSize: 1000)
        func refuse(_ f: [UInt8], _ h: VirtioNetHeader, capacity: Int = 64, slot: Int = 2048) -> OffloadError? {
            let batch = FrameBatch(capacity: capacity, frameCapacity: slot)
            var slots = batch
            let error: OffloadError? = f.withUnsafeBytes { raw in
                do throws(OffloadError) {
                    _ = try Segmenter.segment(raw, header: h, into: &slots)
                    return nil
                } catch { return error }
            }
            if error != nil { #expect(batch.count == 0) }
            return error
        }
        #expect(refuse(frame, header, capacity: 9) == .tooManySegments(needed: 10, capacity: 9))
        #expect(refuse(frame, header, slot: 1000) == .slotTooSmall(needed: 1054, capacity: 1000))
        var h = header
        h.gsoSize = 0
        #expect(refuse(frame, h) == .zeroGSOSize)
        h = header
        h.headerLength = 53
        #expect(refuse(frame, h) == .headerLengthMismatch(declared: 53, actual: 54))
        h.headerLength = 100  // the kernel's hdr_len may include payload bytes: accepted
        #expect(refuse(frame, h) == nil)
        h = header
        h.gsoType = .tcpv6
        #expect(refuse(frame, h) == .gsoTypeMismatch(gsoType: 4))
        h.gsoType = .udpL4
        #expect(refuse(frame, h) == .gsoTypeMismatch(gsoType: 5))
        h.gsoType = .udp
        #expect(refuse(frame, h) == .unsupportedGSOType(3))
        h = header
        h.checksumStart = 30
        #expect(refuse(frame, h) == .checksumFieldMismatch(start: 30, offset: 16))
        h.checksumStart = UInt16(frame.count)
        #expect(refuse(frame, h) == .checksumFieldOutsideFrame(start: frame.count, offset: 16, frameLength: frame.count))
        // Truncated frames at every length below the headers, and one byte short of the IP length.
        for n in [0, 13, 14, 33, 40, 53] {
            #expect(refuse(Array(frame[..<n]), header) != nil, "length \(n)")
        }
        #expect(refuse(Array(frame.dropLast()), header) == .ipLengthMismatch(declared: frame.count - 14, available: frame.count - 15))
        #expect(refuse(frame + [0], header) == .ipLengthMismatch(declared: frame.count - 14, available: frame.count - 13))
        // VLAN tag, IPv6 extension header, fragments, bad TCP data offset.
        var vlan = frame
        vlan[12] = 0x81; vlan[13] = 0x00
        #expect(refuse(vlan, header) == .vlanTagged)
        var p6 = p
        p6.v6 = true
        var (f6, h6) = superFrame(p6, gsoSize: 1000)
        f6[20] = 0  // hop-by-hop
        #expect(refuse(f6, h6) == .ipv6ExtensionHeader(nextHeader: 0))
        (f6, h6) = superFrame(p6, gsoSize: 1000)
        #expect(refuse(f6, h6) == nil)
        var fragment = frame
        fragment[20] |= 0x20  // MF
        #expect(refuse(fragment, header) == .ipFragment)
        var offsetByte = frame
        offsetByte[46] = 0x40  // data offset 4 words
        #expect(refuse(offsetByte, header) == .badTCPHeaderLength(16))
        var ihl = frame
        ihl[14] = 0x44
        #expect(refuse(ihl, header) == .badIPv4HeaderLength(16))
        var version = frame
        version[14] = 0x65
        #expect(refuse(version, header) == .badIPVersion(6))
        let huge = [UInt8](repeating: 0, count: 14 + 65536)
        #expect(refuse(huge, header) == .frameTooLarge(14 + 65536))
    }
}

import LinuxSystem
import Testing
@testable import TapDevice

@Suite struct OffloadHeaderTests {
    func parse(_ bytes: [UInt8], size: Int = 10) -> Result<VirtioNetHeader, OffloadError> {
        bytes.withUnsafeBytes { raw in
            do throws(OffloadError) { return .success(try VirtioNetHeader(parsing: raw, size: size)) } catch { return .failure(error) }
        }
    }

    @Test func parsesLittleEndianFieldsAndWritesThemBack() throws {
        let bytes = virtioBytes(flags: 1, gso: 0x81, hdrLen: 0x0142, gsoSize: 1448, csumStart: 34, csumOffset: 16)
        let h = try parse(bytes).get()
        #expect(h == VirtioNetHeader(flags: 1, gsoType: .tcpv4, ecn: true, headerLength: 0x0142, gsoSize: 1448,
                                     checksumStart: 34, checksumOffset: 16))
        #expect(h.needsChecksum)
        var out = [UInt8](repeating: 0xEE, count: 12)
        out.withUnsafeMutableBytes { h.write(to: $0) }
        #expect(Array(out[..<10]) == bytes)
        #expect(Array(out[10...]) == [0xEE, 0xEE])  // the 10-byte form leaves num_buffers alone
        let twelve = try parse(bytes + [3, 1], size: 12).get()
        #expect(twelve.numBuffers == 0x0103)
        out.withUnsafeMutableBytes { twelve.write(to: $0, size: 12) }
        #expect(out == bytes + [3, 1])
        #expect(try parse(virtioBytes(gso: 5)).get().gsoType == .udpL4)
        #expect(try parse(virtioBytes(gso: 4)).get().gsoType == .tcpv6)
        #expect(try parse(virtioBytes(flags: 2)).get().flags == VirtioNetHeader.dataValid)
    }

    @Test func malformedHeadersAreTypedErrors() throws {
        #expect(parse(Array(virtioBytes()[..<9])) == .failure(.truncatedVirtioHeader(length: 9)))
        #expect(parse(virtioBytes(), size: 12) == .failure(.truncatedVirtioHeader(length: 10)))
        #expect(parse(virtioBytes(), size: 11) == .failure(.badVirtioHeaderSize(11)))
        for gso: UInt8 in [2, 6, 0x7F, 0x80, 0xFF] {
            #expect(parse(virtioBytes(gso: gso)) == .failure(.unknownGSOType(gso)))
        }
        #expect(parse(virtioBytes(flags: 4)) == .failure(.unknownVirtioFlags(4)))
        #expect(parse(virtioBytes(flags: 0x80)) == .failure(.unknownVirtioFlags(0x80)))
        let udp = try parse(virtioBytes(gso: 3, gsoSize: 100)).get()
        #expect(throws: OffloadError.unsupportedGSOType(3)) { try udp.validate(frameLength: 1000) }
        let zero = try parse(virtioBytes(gso: 1)).get()
        #expect(throws: OffloadError.zeroGSOSize) { try zero.validate(frameLength: 1000) }
        let beyond = try parse(virtioBytes(flags: 1, csumStart: 990, csumOffset: 9)).get()
        #expect(throws: OffloadError.checksumFieldOutsideFrame(start: 990, offset: 9, frameLength: 1000)) { try beyond.validate(frameLength: 1000) }
        try beyond.validate(frameLength: 1001)
        let longHeader = try parse(virtioBytes(gso: 1, hdrLen: 1001, gsoSize: 1)).get()
        #expect(throws: OffloadError.headerLengthMismatch(declared: 1001, actual: 1000)) { try longHeader.validate(frameLength: 1000) }
        // Without NEEDS_CSUM the checksum fields are not looked at.
        try parse(virtioBytes(csumStart: 0xFFFF, csumOffset: 0xFFFF)).get().validate(frameLength: 0)
    }
}

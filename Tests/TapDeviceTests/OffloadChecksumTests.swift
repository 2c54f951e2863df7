import LinuxSystem
import Testing
@testable import TapDevice

@Suite struct OffloadChecksumTests {
    /// The fast sum against the reference at every length 0...300 and every alignment 0...7.
    @Test func fastSumMatchesTheReference() {
        let data = payloadBytes(320, seed: 0xA5).map { $0 ^ 0xFF }
        data.withUnsafeBytes { all in
            for start in 0..<8 {
                for length in 0...300 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    var stored = [UInt8](repeating: 0, count: 2)
                    stored.withUnsafeMutableBytes { InternetChecksum.store(InternetChecksum.finish(InternetChecksum.sum(slice)), in: $0, at: 0) }
                    let expected = referenceChecksum(Array(data[start..<(start + length)]))
                    if stored != [UInt8(expected >> 8), UInt8(expected & 0xFF)] {
                        Issue.record("start \(start) length \(length): \(stored) vs \(expected)")
                        return
                    }
                }
            }
        }
    }

    @Test func allOnesDataFoldsWithoutLosingCarries() {
        let ones = [UInt8](repeating: 0xFF, count: 65_535)
        let fast = ones.withUnsafeBytes { InternetChecksum.finish(InternetChecksum.sum($0)) }
        #expect(fast.bigEndian == referenceChecksum(ones))
    }

    @Test func pseudoHeadersMatchTheReference() {
        let v4 = ipv4A + ipv4B
        let v4sum = v4.withUnsafeBytes { InternetChecksum.finish(InternetChecksum.pseudoHeaderIPv4(addresses: $0, proto: 6, length: 1234)) }
        #expect(v4sum.bigEndian == referenceChecksum(v4 + [0, 6] + be16(1234)))
        let v6 = ipv6A + ipv6B
        let v6sum = v6.withUnsafeBytes { InternetChecksum.finish(InternetChecksum.pseudoHeaderIPv6(addresses: $0, proto: 17, length: 65_000)) }
        #expect(v6sum.bigEndian == referenceChecksum(v6 + be32(65_000) + [0, 0, 0, 17]))
    }

    @Test func incrementalUpdateEqualsRecomputing() {
        var header = TestPacket().build()[14..<34].map { $0 }
        let before = UInt16(header[10]) << 8 | UInt16(header[11])
        let oldLength = UInt16(header[2]) << 8 | UInt16(header[3])
        header[2] = 0x05; header[3] = 0xDC
        let updated = InternetChecksum.update(before.bigEndian, old: oldLength.bigEndian, new: UInt16(0x05DC).bigEndian)
        header[10] = 0; header[11] = 0
        #expect(updated.bigEndian == referenceChecksum(header))
    }
}

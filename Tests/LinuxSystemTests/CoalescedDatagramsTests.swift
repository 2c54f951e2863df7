import Testing
import LinuxSystem

/// Splitting a UDP_GRO message back into its datagrams by the reported segment size.
private func split(_ length: Int, segmentSize: Int?) -> [[UInt8]] {
    let message = UnsafeMutableRawBufferPointer.allocate(byteCount: max(length, 1), alignment: 8)
    defer { message.deallocate() }
    for i in 0..<message.count { message[i] = UInt8(truncatingIfNeeded: i) }
    var parts: [[UInt8]] = []
    let n = CoalescedDatagrams.forEach(in: UnsafeMutableRawBufferPointer(rebasing: message[0..<length]),
                                       segmentSize: segmentSize) { parts.append(Array($0)) }
    #expect(n == parts.count)
    return parts
}

@Suite struct CoalescedDatagramsTests {
    @Test func exactMultiples() {
        let parts = split(4200, segmentSize: 1400)
        #expect(parts.map(\.count) == [1400, 1400, 1400])
        #expect(Array(parts.joined()) == (0..<4200).map { UInt8(truncatingIfNeeded: $0) })
    }

    @Test func aShortLastSegment() {
        let parts = split(3000, segmentSize: 1400)
        #expect(parts.map(\.count) == [1400, 1400, 200])
        #expect(parts[2].first == UInt8(truncatingIfNeeded: 2800))
    }

    @Test func noControlMessageIsOneDatagram() {
        #expect(split(3000, segmentSize: nil).map(\.count) == [3000])
        // A size the message does not exceed, or a nonsensical one, is one datagram too.
        #expect(split(1400, segmentSize: 1400).map(\.count) == [1400])
        #expect(split(900, segmentSize: 1400).map(\.count) == [900])
        #expect(split(900, segmentSize: 0).map(\.count) == [900])
        #expect(split(0, segmentSize: 1400).map(\.count) == [0])
    }

    @Test func segmentsAreWindowsOfTheMessageNotCopies() {
        let message = UnsafeMutableRawBufferPointer.allocate(byteCount: 10, alignment: 8)
        defer { message.deallocate() }
        var starts: [UnsafeMutableRawPointer?] = []
        CoalescedDatagrams.forEach(in: message, segmentSize: 4) { starts.append($0.baseAddress) }
        #expect(starts == [message.baseAddress, message.baseAddress! + 4, message.baseAddress! + 8])
    }
}

import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// MSS clamping and ICMP "too big" answers (issue 17 item 4), directly and through the engine.

private let hostMAC = MACAddress(0x02, 0, 0, 0, 0, 0x11)
private let hostIP: UInt32 = 0x0A00_000B

/// Ethernet + IPv4 or IPv6 + TCP SYN whose options are `options` (MSS among them), checksums valid.
func tcpSYN(ipv6: Bool = false, options: [UInt8], payload: Int = 0, df: Bool = true,
            src: MACAddress = hostMAC, dst: MACAddress = macB) -> [UInt8] {
    let tcpLength = 20 + options.count + payload
    var tcp: [UInt8] = [0x9C, 0x40, 0x01, 0xBB, 0, 0, 0, 1, 0, 0, 0, 0,
                        UInt8((20 + options.count) / 4) << 4, 0x02, 0xFF, 0xFF, 0, 0, 0, 0]
    tcp += options + [UInt8](repeating: 0x61, count: payload)
    var ip: [UInt8]
    if ipv6 {
        ip = [0x60, 0, 0, 0, UInt8(tcpLength >> 8), UInt8(tcpLength & 0xFF), 6, 64]
        ip += [0xFD] + [UInt8](repeating: 0, count: 14) + [0x0B]
        ip += [0xFD] + [UInt8](repeating: 0, count: 14) + [0x02]
    } else {
        let total = 20 + tcpLength
        ip = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, df ? 0x40 : 0, 0, 64, 6, 0, 0]
        ip += Frames.ip(hostIP) + Frames.ip(ipB)
    }
    var frame = Frames.ethernet(dst: dst, src: src, type: ipv6 ? 0x86DD : 0x0800, payload: ip + tcp)
    frame.withUnsafeMutableBytes { b in
        let l4 = 14 + (ipv6 ? 40 : 20)
        if !ipv6 { InternetChecksum.fill(b, field: 24, over: 14..<34) }
        let pseudo = ipv6
            ? InternetChecksum.pseudoHeaderIPv6(addresses: UnsafeRawBufferPointer(rebasing: b[22..<54]), proto: 6, length: tcpLength)
            : InternetChecksum.pseudoHeaderIPv4(addresses: UnsafeRawBufferPointer(rebasing: b[26..<34]), proto: 6, length: tcpLength)
        InternetChecksum.fill(b, field: l4 + 16, over: l4..<(l4 + tcpLength), initial: pseudo)
    }
    return frame
}

/// The TCP checksum of `frame` (as built by `tcpSYN`) still verifies.
func tcpChecksumValid(_ frame: [UInt8]) -> Bool {
    frame.withUnsafeBytes { b in
        let ipv6 = b[12] == 0x86
        let l4 = 14 + (ipv6 ? 40 : 20)
        let length = b.count - l4
        let pseudo = ipv6
            ? InternetChecksum.pseudoHeaderIPv6(addresses: UnsafeRawBufferPointer(rebasing: b[22..<54]), proto: 6, length: length)
            : InternetChecksum.pseudoHeaderIPv4(addresses: UnsafeRawBufferPointer(rebasing: b[26..<34]), proto: 6, length: length)
        return InternetChecksum.fold(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[l4...]), initial: pseudo)) == 0xFFFF
    }
}

func be16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) << 8 | Int(b[o + 1]) }

func mss(of frame: [UInt8]) -> Int? {
    let l4 = 14 + (frame[12] == 0x86 ? 40 : 20)
    var i = l4 + 20
    while i < l4 + Int(frame[l4 + 12] >> 4) * 4 {
        if frame[i] == 1 { i += 1; continue }
        if frame[i] == 2 { return be16(frame, i + 2) }
        i += Int(frame[i + 1])
    }
    return nil
}

private let mss1460: [UInt8] = [2, 4, 0x05, 0xB4, 1, 1, 4, 2]
/// The MSS after one NOP: its value at an odd distance from the TCP header.
private let oddMSS1460: [UInt8] = [1, 2, 4, 0x05, 0xB4, 1, 4, 2]

@Test(arguments: [(false, mss1460, 1250), (false, oddMSS1460, 1250), (true, mss1460, 1230), (true, oddMSS1460, 1230)])
func clampLowersTheMSSAndKeepsTheChecksum(ipv6: Bool, options: [UInt8], expected: Int) {
    var frame = tcpSYN(ipv6: ipv6, options: options)
    #expect(tcpChecksumValid(frame))
    let field = frame.withUnsafeBytes { OverlayMTU.mssField($0, mtu: 1290) }
    #expect(field != nil)
    frame.withUnsafeMutableBytes { OverlayMTU.clamp($0, field!) }
    #expect(mss(of: frame) == expected)
    #expect(tcpChecksumValid(frame))
}

@Test func onlySYNsAboveTheLimitAreTouched() {
    let small = tcpSYN(options: [2, 4, 0x04, 0x00])   // MSS 1024
    #expect(small.withUnsafeBytes { OverlayMTU.mssField($0, mtu: 1290) } == nil)
    var ack = tcpSYN(options: mss1460)
    ack[14 + 20 + 13] = 0x10   // ACK only
    #expect(ack.withUnsafeBytes { OverlayMTU.mssField($0, mtu: 1290) } == nil)
    var udp = tcpSYN(options: mss1460)
    udp[23] = 17
    #expect(udp.withUnsafeBytes { OverlayMTU.mssField($0, mtu: 1290) } == nil)
    // Options that run past the header, or a zero length, end the walk.
    var broken = tcpSYN(options: [1, 2, 0, 0x05, 0xB4, 1, 1, 1])
    #expect(broken.withUnsafeBytes { OverlayMTU.mssField($0, mtu: 1290) } == nil)
    broken = tcpSYN(options: [8, 10, 0, 0, 0, 0, 2, 4])
    #expect(broken.withUnsafeBytes { OverlayMTU.mssField($0, mtu: 1290) } == nil)
    // Every truncation of a SYN is read safely.
    let full = tcpSYN(options: mss1460)
    for n in 0...full.count {
        _ = Array(full[0..<n]).withUnsafeBytes { OverlayMTU.mssField($0, mtu: 1290) }
    }
}

private func registeredEdge(_ configure: @escaping (inout EdgeEngine.Configuration) -> Void = { _ in }) -> TestEdge {
    let edge = TestEdge { $0.allowRouting = true; configure(&$0) }
    edge.engine.start()
    edge.ackRegistration()
    edge.sink.clear()
    return edge
}

/// The frame inside the last PACKET the edge sent (TestTransform: a byte, then the frame ^ 0x5A).
private func lastSentFrame(_ edge: TestEdge) -> [UInt8]? {
    guard let d = edge.sink.sent(.packet).last, let decoded = d.decoded else { return nil }
    return d.bytes[(decoded.bodyEnd + 1)...].map { $0 ^ 0x5A }
}

@Test(arguments: [true, false])
func synsCrossingTheEdgeAreClampedBothWays(clamp: Bool) {
    let edge = registeredEdge { $0.clampMSS = clamp }
    edge.send(frame: tcpSYN(options: mss1460))
    let sent = lastSentFrame(edge)
    #expect(sent.flatMap(mss) == (clamp ? 1250 : 1460))
    #expect(sent.map(tcpChecksumValid) == true)
    var synAck = tcpSYN(options: mss1460, src: macB, dst: hostMAC)
    synAck[14 + 20 + 13] = 0x12
    synAck.withUnsafeMutableBytes { b in
        b[50] = 0; b[51] = 0
        let pseudo = InternetChecksum.pseudoHeaderIPv4(addresses: UnsafeRawBufferPointer(rebasing: b[26..<34]), proto: 6, length: b.count - 34)
        InternetChecksum.fill(b, field: 50, over: 34..<b.count, initial: pseudo)
    }
    edge.receive(packetDatagram(src: macB, dst: hostMAC, frame: synAck), from: PeerSocket(ipv4: 0xCB00_7106, port: 50000))
    let written = edge.sink.frames.last
    #expect(written.flatMap(mss) == (clamp ? 1250 : 1460))
    #expect(written.map(tcpChecksumValid) == true)
    #expect(edge.engine.statistics.mssClampedTx == (clamp ? 1 : 0))
    #expect(edge.engine.statistics.mssClampedRx == (clamp ? 1 : 0))
}

@Test func oversizedIPv4WithDFGetsFragmentationNeeded() throws {
    let edge = registeredEdge()
    let big = tcpSYN(options: [], payload: 1400)   // 1440-byte IP packet, DF
    edge.send(frame: big)
    #expect(edge.sink.sent(.packet).isEmpty)
    #expect(edge.engine.statistics.drops(.txFragmentationNeeded) == 1)
    let icmp = try #require(edge.sink.frames.last)
    #expect(Array(icmp[0..<6]) == hostMAC.octets)
    #expect(Array(icmp[6..<12]) == macB.octets)
    #expect(icmp[12] == 0x08 && icmp[23] == 1)
    #expect(Array(icmp[26..<30]) == Frames.ip(ipB))
    #expect(Array(icmp[30..<34]) == Frames.ip(hostIP))
    #expect(icmp[34] == 3 && icmp[35] == 4)
    #expect(be16(icmp, 40) == 1290)
    #expect(icmp.count == 14 + 576)
    #expect(Array(icmp[42..<62]) == Array(big[14..<34]))   // the offending header, quoted
    icmp.withUnsafeBytes { b in
        #expect(InternetChecksum.fold(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[14..<34]))) == 0xFFFF)
        #expect(InternetChecksum.fold(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[34...]))) == 0xFFFF)
    }
    // Without DF the packet goes out (the underlay fragments it).
    edge.send(frame: tcpSYN(options: [], payload: 1400, df: false))
    #expect(edge.sink.sent(.packet).count == 1)
}

@Test func oversizedIPv6GetsPacketTooBig() throws {
    let edge = registeredEdge()
    edge.send(frame: tcpSYN(ipv6: true, options: [], payload: 1400))
    #expect(edge.sink.sent(.packet).isEmpty)
    #expect(edge.engine.statistics.drops(.txPacketTooBig) == 1)
    let icmp = try #require(edge.sink.frames.last)
    #expect(icmp[12] == 0x86 && icmp[20] == 58)
    #expect(icmp[54] == 2 && icmp[55] == 0)
    let mtu: Int = be16(icmp, 58) << 16 | be16(icmp, 60)
    #expect(mtu == 1290)
    #expect(icmp[37] == 0x02 && icmp[53] == 0x0B)   // from the destination, to the source
    #expect(icmp.count == 14 + 1280)
    icmp.withUnsafeBytes { b in
        let pseudo = InternetChecksum.pseudoHeaderIPv6(addresses: UnsafeRawBufferPointer(rebasing: b[22..<54]), proto: 58, length: b.count - 54)
        #expect(InternetChecksum.fold(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[54...]), initial: pseudo)) == 0xFFFF)
    }
}

@Test func icmpAnswersAreRateLimitedButEveryDropIsCounted() {
    let edge = registeredEdge()
    let big = tcpSYN(options: [], payload: 1400)
    for _ in 0..<150 { edge.send(frame: big) }
    #expect(edge.sink.frames.count == EdgeDataPlane.icmpPerSecond)
    #expect(edge.engine.statistics.drops(.txFragmentationNeeded) == 150)
    edge.advance(1.1)
    edge.send(frame: big)
    #expect(edge.sink.frames.count == EdgeDataPlane.icmpPerSecond + 1)
}

@Test func noAnswerAboutBroadcastOrMulticastSources() {
    let edge = registeredEdge()
    var big = tcpSYN(options: [], payload: 1400)
    big[30] = 239   // to a multicast group
    edge.send(frame: big)
    #expect(edge.sink.frames.isEmpty)
    #expect(edge.engine.statistics.drops(.txFragmentationNeeded) == 1)
}

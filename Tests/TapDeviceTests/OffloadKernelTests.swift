import CN2NLinux
import Glibc
import LinuxSystem
import Testing
@testable import TapDevice

// Super-frames built by the kernel: a TAP opened with IFF_VNET_HDR and TSO on, in a private network
// namespace this test creates (it disappears with the thread's last reference), a local TCP socket
// connected to a fake peer behind the TAP, and this test playing that peer (SYN-ACK, ACKs) by hand.
// Raw ioctls here, so the test depends on no TapDevice API that is being restructured.

private let tunCSUM = TunOffloadFlags.checksum, tunTSO4 = TunOffloadFlags.tso4, tunTSO6 = TunOffloadFlags.tso6
private let localIP: [UInt8] = [10, 213, 7, 1]
private let peerIP: [UInt8] = [10, 213, 7, 2]
private let peerMAC: [UInt8] = [0x02, 0, 0, 0, 0x7E, 0x02]

private func ifreqNamed(_ name: String) -> ifreq {
    var req = ifreq()
    withUnsafeMutableBytes(of: &req.ifr_ifrn.ifrn_name) { $0.copyBytes(from: Array(name.utf8)) }
    return req
}

private func ioctlOK(_ fd: Int32, _ request: UInt, _ req: inout ifreq) -> Bool {
    withUnsafeMutablePointer(to: &req) { ioctl(fd, request, UnsafeMutableRawPointer($0)) } == 0
}

private func setIPv4(_ sock: Int32, _ name: String, _ request: UInt, _ address: [UInt8]) -> Bool {
    var req = ifreqNamed(name)
    withUnsafeMutableBytes(of: &req.ifr_ifru) { raw in
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: address) }
        withUnsafeBytes(of: &sin) { raw.copyMemory(from: $0) }
    }
    return ioctlOK(sock, request, &req)
}

/// A TCP segment from the fake peer to the local socket, as the test writes it to the TAP.
private func peerSegment(toMAC: [UInt8], srcPort: Int, dstPort: Int, seq: UInt32, ack: UInt32, flags: UInt8, options: [UInt8] = []) -> [UInt8] {
    var p = TestPacket(seq: seq, ack: ack, flags: flags, window: 65535, tcpOptions: options, srcIP: peerIP)
    p.srcPort = srcPort
    p.dstPort = dstPort
    return retarget(p.build(), toMAC: toMAC)
}

/// TestPacket's frames go to ipv4B: readdress one to the local address and the TAP's MAC, checksums redone.
private func retarget(_ built: [UInt8], toMAC: [UInt8]) -> [UInt8] {
    var frame = built
    frame.replaceSubrange(0..<12, with: toMAC + peerMAC)
    frame.replaceSubrange(30..<34, with: localIP)
    frame[24] = 0; frame[25] = 0
    let ipSum = referenceChecksum(Array(frame[14..<34]))
    frame[24] = UInt8(ipSum >> 8); frame[25] = UInt8(ipSum & 0xFF)
    frame[50] = 0; frame[51] = 0
    let segment = Array(frame[34...])
    let l4Sum = referenceChecksum(peerIP + localIP + [0, 6] + be16(segment.count) + segment)
    frame[50] = UInt8(l4Sum >> 8); frame[51] = UInt8(l4Sum & 0xFF)
    return frame
}

/// Runs `body` with a TAP (IFF_VNET_HDR, 10-byte header, TSO4/TSO6 + checksum offload) addressed
/// 10.213.7.1/24, up and NOARP, in a private network namespace of the calling thread.
private func withKernelTap(_ body: (_ tap: Int32, _ mac: [UInt8]) throws -> Void) throws {
    let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
    try #require(original >= 0)
    defer { close(original) }
    guard cn2n_unshare(cn2n_CLONE_NEWNET) == 0 else {
        // Never fall back to the host namespace: the test configures addresses.
        Issue.record("could not create a private network namespace (errno \(errno)); kernel offload test not run")
        return
    }
    defer { precondition(cn2n_setns(original, cn2n_CLONE_NEWNET) == 0, "could not return to the original network namespace") }

    let name = "n2nof\(getpid() % 100_000)"
    let tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)
    try #require(tap >= 0, "open /dev/net/tun: errno \(errno)")
    defer { close(tap) }
    var req = ifreqNamed(name)
    req.ifr_ifru.ifru_flags = cn2n_IFF_TAP | cn2n_IFF_NO_PI | cn2n_IFF_VNET_HDR
    try #require(ioctlOK(tap, cn2n_TUNSETIFF, &req), "TUNSETIFF: errno \(errno)")
    var headerSize: Int32 = 10
    let sized = withUnsafeMutablePointer(to: &headerSize) { ioctl(tap, cn2n_TUNSETVNETHDRSZ, UnsafeMutableRawPointer($0)) }
    try #require(sized == 0, "TUNSETVNETHDRSZ: errno \(errno)")
    try #require(ioctl(tap, cn2n_TUNSETOFFLOAD, CInt(tunCSUM | tunTSO4 | tunTSO6)) == 0, "TUNSETOFFLOAD: errno \(errno)")

    let control = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | cn2n_SOCK_CLOEXEC, 0)
    try #require(control >= 0)
    defer { close(control) }
    try #require(setIPv4(control, name, cn2n_SIOCSIFADDR, localIP))
    try #require(setIPv4(control, name, cn2n_SIOCSIFNETMASK, [255, 255, 255, 0]))
    // NOARP: the kernel sends to the peer straight away (to the TAP's own MAC), no ARP to answer.
    var flagsReq = ifreqNamed(name)
    flagsReq.ifr_ifru.ifru_flags = Int16(IFF_UP | IFF_NOARP)
    try #require(ioctlOK(control, cn2n_SIOCSIFFLAGS, &flagsReq))
    var hw = ifreqNamed(name)
    try #require(ioctlOK(control, cn2n_SIOCGIFHWADDR, &hw))
    let mac = withUnsafeBytes(of: &hw.ifr_ifru) { Array($0[2..<8]) }  // sockaddr.sa_data
    try body(tap, mac)
}

/// Writes a zero virtio-net header and `frame` to the TAP; true when the kernel took it whole.
@discardableResult
private func writeToTap(_ tap: Int32, header: [UInt8] = zeroVirtioHeader, _ frame: [UInt8]) -> Bool {
    let bytes = header + frame
    return bytes.withUnsafeBytes { Glibc.write(tap, $0.baseAddress, $0.count) } == bytes.count
}

/// The next IPv4 TCP frame the kernel sends from `localIP` (virtio header, frame), within `milliseconds`.
private func readTCP(_ tap: Int32, _ buffer: UnsafeMutableRawBufferPointer, milliseconds: Int32) throws -> (VirtioNetHeader, [UInt8])? {
    var pfd = pollfd(fd: tap, events: Int16(POLLIN), revents: 0)
    let deadline = MonotonicMilliseconds.now() + UInt64(milliseconds)
    while MonotonicMilliseconds.now() < deadline {
        guard poll(&pfd, 1, 50) == 1 else { continue }
        let n = Glibc.read(tap, buffer.baseAddress, buffer.count)
        guard n > 10 else { continue }
        let all = UnsafeRawBufferPointer(rebasing: buffer[..<n])
        let raw = Array(all[10...])
        guard raw.count >= 54, read16(raw, 12) == 0x0800, raw[23] == 6, Array(raw[26..<30]) == localIP else { continue }
        return (try VirtioNetHeader(parsing: all), raw)
    }
    return nil
}

@Suite(.enabled(if: canCreateTap, "needs root and /dev/net/tun"))
struct OffloadKernelTests {
    @Test func kernelTSOSuperFramesSegmentIntoValidFrames() throws {
        try withKernelTap { tap, _ in try sendThroughTap(tap) }
    }

    @Test func kernelAcceptsCoalescedSuperFrames() throws {
        try withKernelTap { tap, mac in try receiveThroughTap(tap, mac: mac) }
    }

    /// The kernel as TCP receiver: the fake peer's segments, coalesced, must arrive in the local socket.
    private func receiveThroughTap(_ tap: Int32, mac tapMAC: [UInt8]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | cn2n_SOCK_NONBLOCK | cn2n_SOCK_CLOEXEC, 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = UInt16(5202).bigEndian
        withUnsafeMutableBytes(of: &local.sin_addr) { $0.copyBytes(from: localIP) }
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(listener, 4) == 0, "bind/listen: errno \(errno)")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536 + 64, alignment: 16)
        defer { buffer.deallocate() }

        // Handshake by hand: SYN (MSS 1460), the kernel's SYN-ACK, ACK.
        let isn: UInt32 = 0x7000_0000
        // (TCP drops frames not addressed to the host's MAC, so it is read from the device first.)
        #expect(writeToTap(tap, peerSegment(toMAC: tapMAC, srcPort: 40000, dstPort: 5202, seq: isn, ack: 0,
                                            flags: tcpSYN, options: [2, 4, 0x05, 0xB4])))
        var synAck: [UInt8]? = nil
        while synAck == nil, let (_, frame) = try readTCP(tap, buffer, milliseconds: 3000) {
            if frame[47] == tcpSYN | tcpACK && read16(frame, 36) == 40000 { synAck = frame }
        }
        let reply = try #require(synAck, "no SYN-ACK from the kernel")
        #expect(Array(reply[6..<12]) == tapMAC)
        let kernelISN = read32(reply, 38)
        #expect(read32(reply, 42) == isn &+ 1)
        #expect(writeToTap(tap, peerSegment(toMAC: tapMAC, srcPort: 40000, dstPort: 5202, seq: isn &+ 1, ack: kernelISN &+ 1, flags: tcpACK)))

        // 40 segments of 1400 bytes, PSH on the last, coalesced and written.
        let size = 1400, count = 40
        let data = payloadBytes(size * count, seed: 0x5A)
        let coalescer = Coalescer()
        var writes = 0, superFrames = 0, refused = 0
        let emit = { (header: UnsafeRawBufferPointer, frame: UnsafeRawBufferPointer) in
            writes += 1
            if header[1] != 0 { superFrames += 1 }
            if !writeToTap(tap, header: Array(header), Array(frame)) { refused += 1 }
        }
        for i in 0..<count {
            var p = TestPacket(seq: isn &+ 1 &+ UInt32(i * size), ack: kernelISN &+ 1, flags: tcpACK | (i == count - 1 ? tcpPSH : 0),
                               window: 65535, payload: Array(data[(i * size)..<((i + 1) * size)]), srcIP: peerIP)
            p.srcPort = 40000
            p.dstPort = 5202
            let frame = retarget(p.build(), toMAC: tapMAC)
            _ = frame.withUnsafeBytes { coalescer.offer($0, emit: emit) }
        }
        coalescer.flush(emit: emit)
        #expect(writes == 1 && superFrames == 1, "\(writes) writes, \(superFrames) super-frames")
        #expect(refused == 0, "the kernel refused a coalesced write: errno \(errno)")

        // The accepted socket must read every byte, in order.
        var connection: Int32 = -1
        var got: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { chunk.deallocate() }
        let deadline = MonotonicMilliseconds.now() + 3000
        while MonotonicMilliseconds.now() < deadline && got.count < data.count {
            if connection < 0 {
                connection = accept(listener, nil, nil)
                if connection < 0 { usleep(10_000); continue }
            }
            let n = recv(connection, chunk.baseAddress, chunk.count, Int32(MSG_DONTWAIT))
            if n > 0 { got += chunk[..<n] } else { usleep(10_000) }
        }
        if connection >= 0 { close(connection) }
        #expect(connection >= 0, "the kernel never completed the handshake")
        #expect(got.count == data.count)
        #expect(got == data)
    }

    /// The kernel as TCP sender: its TSO super-frames, segmented, must be valid frames carrying the data.
    private func sendThroughTap(_ tap: Int32) throws {
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | cn2n_SOCK_NONBLOCK | cn2n_SOCK_CLOEXEC, 0)
        try #require(client >= 0)
        defer { close(client) }
        var bufferSize: Int32 = 4 << 20
        setsockopt(client, SOL_SOCKET, SO_SNDBUF, &bufferSize, socklen_t(MemoryLayout<Int32>.size))
        var peer = sockaddr_in()
        peer.sin_family = sa_family_t(AF_INET)
        peer.sin_port = UInt16(5201).bigEndian
        withUnsafeMutableBytes(of: &peer.sin_addr) { $0.copyBytes(from: peerIP) }
        let connected = withUnsafePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0 || errno == EINPROGRESS, "connect: errno \(errno)")

        let pattern = payloadBytes(512 * 1024, seed: 0x3C)
        var sent = 0
        var synSeq: UInt32? = nil
        var localPort = 0
        var tapMAC: [UInt8] = []
        let peerISN: UInt32 = 0x5000_0000
        var received = 0  // contiguous payload bytes acknowledged
        var superFrames = 0, largestSuperFrame = 0, segmentsChecked = 0
        var mismatches = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536 + 64, alignment: 16)
        defer { buffer.deallocate() }
        var pfd = pollfd(fd: tap, events: Int16(POLLIN), revents: 0)
        let deadline = MonotonicMilliseconds.now() + 5000
        func write(_ frame: [UInt8]) { writeToTap(tap, frame) }

        while MonotonicMilliseconds.now() < deadline && received < 256 * 1024 {
            if synSeq != nil && sent < pattern.count {
                let n = pattern.withUnsafeBytes { send(client, $0.baseAddress! + sent, pattern.count - sent, Int32(MSG_DONTWAIT)) }
                if n > 0 { sent += n }
            }
            guard poll(&pfd, 1, 100) == 1 else { continue }
            let n = Glibc.read(tap, buffer.baseAddress, buffer.count)
            guard n > 10 else { continue }
            let all = UnsafeRawBufferPointer(rebasing: buffer[..<n])
            let header = try VirtioNetHeader(parsing: all)
            let frameBytes = UnsafeRawBufferPointer(rebasing: all[10...])
            let raw = Array(frameBytes)
            guard raw.count >= 54, read16(raw, 12) == 0x0800, raw[23] == 6, Array(raw[26..<30]) == localIP else { continue }
            let flags = raw[47]
            if flags & tcpSYN != 0 {
                synSeq = read32(raw, 38)
                localPort = read16(raw, 34)
                tapMAC = Array(raw[6..<12])
                // MSS 1460, no timestamps: 1460-byte segments.
                write(peerSegment(toMAC: tapMAC, srcPort: 5201, dstPort: localPort, seq: peerISN, ack: read32(raw, 38) &+ 1,
                                  flags: tcpSYN | tcpACK, options: [2, 4, 0x05, 0xB4]))
                continue
            }
            guard let isn = synSeq else { continue }
            // Segment whatever the kernel handed over (super-frame or not) and verify every piece.
            let batch = FrameBatch(capacity: 64, frameCapacity: 1600)
            var slots = batch
            let count = try Segmenter.segment(frameBytes, header: header, into: &slots)
            if header.gsoType == .tcpv4 {
                superFrames += 1
                largestSuperFrame = max(largestSuperFrame, count)
                #expect(header.gsoSize == 1460)
            }
            let before = received
            for f in frames(of: batch) {
                let checked = try verifyFrame(f)
                #expect(f.count <= 14 + 1500)
                segmentsChecked += 1
                let offset = Int(checked.seq &- isn &- 1)
                guard !checked.payload.isEmpty, offset >= 0, offset + checked.payload.count <= pattern.count else { continue }
                if Array(pattern[offset..<(offset + checked.payload.count)]) != checked.payload { mismatches += 1 }
                if offset <= received { received = max(received, offset + checked.payload.count) }
            }
            // ACK only progress: repeated ACKs would look like duplicate ACKs to the sender.
            if received > before {
                write(peerSegment(toMAC: tapMAC, srcPort: 5201, dstPort: localPort, seq: peerISN &+ 1,
                                  ack: isn &+ 1 &+ UInt32(received), flags: tcpACK))
            }
        }
        print("kernel TSO: \(superFrames) super-frames (largest \(largestSuperFrame) segments), \(segmentsChecked) frames verified, \(received) bytes in order")
        #expect(synSeq != nil, "the kernel sent no SYN through the TAP")
        #expect(received >= 256 * 1024, "only \(received) bytes arrived in order")
        #expect(mismatches == 0)
        #expect(superFrames > 0, "the kernel sent no TSO super-frame")
        #expect(largestSuperFrame >= 10, "largest super-frame \(largestSuperFrame) segments")
        #expect(segmentsChecked > superFrames)
    }
}

private let zeroVirtioHeader = [UInt8](repeating: 0, count: 10)

#if canImport(Glibc)
import Glibc
#endif
import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// Interop: every datagram the real n2n 2.8 programs sent to edge e2 (its main socket and the
// local-discovery group) in the shared captures is fed to an engine configured as e2, with the
// capture's timestamps as its clock. The overlay frames must come out of the TAP side unchanged.

private struct CapturedDatagram {
    var time: WallTime
    var source: PeerSocket
    var destination: PeerSocket
    var payload: [UInt8]
}

/// UDP-over-IPv4-over-Ethernet datagrams of a classic little-endian pcap file.
private func readCapture(_ path: String) throws -> [CapturedDatagram] {
    let fd = open(path, O_RDONLY)
    try #require(fd >= 0, "cannot open \(path)")
    defer { close(fd) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        data += chunk[..<n]
    }
    func le32(_ o: Int) -> UInt32 { UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16 | UInt32(data[o + 3]) << 24 }
    func be16(_ o: Int) -> UInt16 { UInt16(data[o]) << 8 | UInt16(data[o + 1]) }
    func be32(_ o: Int) -> UInt32 { UInt32(be16(o)) << 16 | UInt32(be16(o + 2)) }
    try #require(data.count >= 24 && le32(0) == 0xA1B2_C3D4 && le32(20) == 1, "not a little-endian Ethernet pcap")
    var out: [CapturedDatagram] = []
    var offset = 24
    while offset + 16 <= data.count {
        let seconds = le32(offset), micros = le32(offset + 4), length = Int(le32(offset + 8))
        let frame = offset + 16
        offset = frame + length
        guard offset <= data.count, length >= 42, be16(frame + 12) == 0x0800, data[frame + 23] == 17 else { continue }
        let ip = frame + 14
        let udp = ip + Int(data[ip] & 0x0F) * 4
        let udpLength = Int(be16(udp + 4))
        guard udp + udpLength <= offset, udpLength >= 8 else { continue }
        out.append(CapturedDatagram(time: WallTime(seconds: Int64(seconds), microseconds: Int32(micros)),
                                    source: PeerSocket(ipv4: be32(ip + 12), port: be16(udp)),
                                    destination: PeerSocket(ipv4: be32(ip + 16), port: be16(udp + 2)),
                                    payload: Array(data[(udp + 8)..<(udp + udpLength)])))
    }
    return out
}

private var capturesDirectory: String {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3) // Tests/PacketCoreTests/<file>
    let repo = parts.joined(separator: "/")
    for candidate in [repo + "/../shared/testvectors/n2n-2.8", "/work/shared/testvectors/n2n-2.8"] where access(candidate, R_OK) == 0 {
        return candidate
    }
    return "/work/shared/testvectors/n2n-2.8"
}

private func transform(for capture: String, random: RandomSource) throws -> PayloadTransform {
    let key = Array("n2n-test-key".utf8)
    switch capture {
    case "a2-twofish": return TwofishTransform(passphrase: key, random: random)
    case "a3-aes": return try AESTransform(passphrase: key, random: random)
    case "a4-chacha20": return try ChaCha20Transform(passphrase: key, random: random)
    case "a5-speck": return SpeckTransform(passphrase: key, random: random)
    default: return NullTransform()
    }
}

@Test(arguments: ["a1-null", "a1-lzo", "a1-zstd", "a2-twofish", "a3-aes", "a4-chacha20", "a5-speck", "h-a1-header-enc"])
func replayOfReal28TrafficToE2(capture: String) throws {
    let datagrams = try readCapture(capturesDirectory + "/\(capture).pcap")
    let e2Socket = PeerSocket(ipv4: 0x0AFA_0002, port: 50002)
    let supernode = PeerSocket(ipv4: 0x0AFA_00FE, port: 1200)
    let toE2 = datagrams.filter { $0.destination == e2Socket || ($0.destination == .discoveryGroup && $0.source != e2Socket) }
    #expect(toE2.count > 20)
    let first = try #require(toE2.first)
    let clock = ManualClock(wall: first.time)
    let random = FakeRandom(seed: 21)
    var config = EdgeEngine.Configuration(community: Community("bench"), mac: MACAddress(0x02, 0, 0, 0, 0xFA, 0x02),
                                          supernodes: [SupernodeAddress(host: "10.250.0.254", port: 1200)])
    config.tapIPv4 = 0xC0A8_FA02
    config.dropMulticast = false // -E, as in the captures
    let sink = EdgeRecordingSink()
    let pipeline = FramePipeline(community: Community("bench"), transform: try transform(for: capture, random: random),
                                 headerEncryption: capture.hasPrefix("h-"), random: random)
    let engine = EdgeEngine(configuration: config, pipeline: pipeline, random: random, clock: clock,
                            datagrams: sink, frames: sink, host: FakeHost(), verbosity: 0)
    engine.start()
    var expectedFrames: [[UInt8]] = []
    var packetMACs: [(src: MACAddress, dst: MACAddress)] = []
    var compressionIDs: Set<UInt8> = []
    var previous = first.time
    for d in toE2 {
        let elapsed = (d.time.seconds - previous.seconds) * 1_000_000 + Int64(d.time.microseconds - previous.microseconds)
        clock.advance(nanoseconds: elapsed * 1000)
        previous = d.time
        engine.tick()
        var bytes = d.payload
        // What a correct receiver must deliver: the frame inside every PACKET (null transform).
        var plain = d.payload
        if capture.hasPrefix("h-") {
            _ = plain.withUnsafeMutableBytes { try? HeaderCipher(community: Community("bench")).decrypt($0) }
        }
        if let p = try? WireCodec.decode(plain), case .packet(let h) = p.message {
            expectedFrames.append(Array(plain[p.bodyEnd...]))
            packetMACs.append((h.srcMac, h.dstMac))
            compressionIDs.insert(h.transform.compressionID)
        }
        bytes.withUnsafeMutableBytes { engine.handleDatagram($0, from: d.source) }
    }
    // ARP request via the supernode, 3 pings and the ARP reply P2P, IGMP joins/leaves and 3
    // multicast datagrams via the supernode.
    #expect(packetMACs.count == 12)
    #expect(sink.frames.count == 12)
    if capture == "a1-null" || capture.hasPrefix("h-") {
        #expect(sink.frames == expectedFrames) // null transform: the payload is the frame
    }
    // Decrypted (and decompressed) frames start with the PACKET header's MACs.
    for (frame, macs) in zip(sink.frames, packetMACs) {
        let dst = frame.withUnsafeBytes { MACAddress(loadingFrom: $0, at: 0) }
        let src = frame.withUnsafeBytes { MACAddress(loadingFrom: $0, at: 6) }
        #expect(dst == macs.dst && src == macs.src)
    }
    // Some frames of the -z captures really arrived compressed.
    #expect(compressionIDs.contains(1) == (capture == "a1-lzo"))
    #expect(compressionIDs.contains(2) == (capture == "a1-zstd"))
    let s = engine.statistics
    #expect(s.rxP2P == 4 && s.rxSupernode == 8)
    for reason in [DropReason.truncated, .badVersion, .headerUndecryptable, .headerChecksum, .otherCommunity,
                   .headerReplay, .headerStampWindow, .spoofedSupernode,
                   .wrongTransform, .transformFailed, .decompressFailed, .shortFrame, .rxMulticast, .rxRouted] {
        #expect(s.drops(reason) == 0, "\(reason)")
    }
    // e2's answers: REGISTER_ACKs to the REGISTERs of e1 and e3, straight back to their sockets.
    let sent = sink.datagrams.map { d -> (code: PacketCode?, to: PeerSocket) in
        var b = d.bytes
        if capture.hasPrefix("h-") {
            guard (try? b.withUnsafeMutableBytes { try HeaderCipher(community: Community("bench")).decrypt($0) }) != nil else { return (nil, d.to) }
        }
        return ((try? WireCodec.decode(b))?.header.code, d.to)
    }
    #expect(sent.allSatisfy { $0.code != nil })
    let acks = sent.filter { $0.code == .registerAck }.map(\.to)
    #expect(acks.contains(PeerSocket(ipv4: 0x0AFA_0001, port: 50001)))
    #expect(acks.contains(PeerSocket(ipv4: 0x0AFA_0003, port: 50003)))
    // The captured REGISTER_SUPER_ACK answers the real e2's cookie, not ours: rejected, so the
    // engine keeps retrying every 3 s (rounds at 0, 3, 6, 9, 12 s of the ~12-s capture).
    #expect(s.drops(.unmatchedSuperAck) == 1)
    let rounds = sent.filter { $0.code == .registerSuper }.map(\.to)
    #expect(rounds.count >= 4 && rounds.allSatisfy { $0 == supernode })
}

import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

private func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.filter(\.isHexDigit))
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

/// Edge B of spec 1.6 with the Speck transform ("mysecret") and real header encryption.
private func edgeB(clock: ManualClock, sink: EdgeRecordingSink, host: FakeHost, random: FakeRandom) -> EdgeEngine {
    var config = EdgeEngine.Configuration(community: Community("mynet"), mac: macB,
                                          supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654)])
    config.tapIPv4 = ipB
    let pipeline = FramePipeline(community: Community("mynet"), transform: SpeckTransform(passphrase: Array("mysecret".utf8), random: random),
                                 headerEncryption: true, random: random)
    return EdgeEngine(configuration: config, pipeline: pipeline, random: random, clock: clock, datagrams: sink, frames: sink,
                      host: host, verbosity: 0)
}

@Test func specHeaderEncryptedPacketVectorReachesTheTap() throws {
    // Spec 4.8: PACKET A→B, stamp 0x6000000012345abc, Speck payload of the spec 2.9 frame.
    let datagram = hexBytes("""
        01 9c 8a 86 66 3a 2e 8c fa ce 50 b7 48 09 16 da cc 09 d3 ce ac 5c e0 39 62 da cc 2e 76 aa 2a ee
        7e b0 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f e8 76 13 a2 2c fa 2e b3 02 23 df 3b 98
        3e 84 1b 09 9d 71 c5 b3 75 8a 17 b6 63 c5 02 e6 32 24 93 45 62 fe 8b d4 f4 ff ef 5d 95 2f fc 59
        c6 b6 3e 70 95 f3 58 0a cc 91 14 ba 0c 5c 23
        """)
    let frame = hexBytes("""
        02 00 00 00 00 02 02 00 00 00 00 01 08 06 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
        20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37 38 39 3a 3b
        """)
    #expect(datagram.count == 111)
    // The stamp's time (0x60000000 s, 0x12345 µs) is "now" on B's clock.
    let clock = ManualClock(wall: WallTime(seconds: 0x6000_0000, microseconds: 0x12345))
    let sink = EdgeRecordingSink()
    let engine = edgeB(clock: clock, sink: sink, host: FakeHost(), random: FakeRandom(seed: 3))
    var copy = datagram
    let aPub = PeerSocket(ipv4: 0xCB00_7105, port: 40000)
    copy.withUnsafeMutableBytes { engine.handleDatagram($0, from: aPub) }
    #expect(sink.frames == [frame])
    #expect(engine.statistics.rxP2P == 1)
    // 20 s later the same datagram is outside the ±16 s window.
    clock.advance(seconds: 20)
    copy = datagram
    copy.withUnsafeMutableBytes { engine.handleDatagram($0, from: aPub) }
    #expect(sink.frames.count == 1)
    #expect(engine.statistics.drops(.headerStampWindow) == 1)
    // One flipped header bit fails the checksum.
    clock.advance(seconds: -20)
    copy = datagram
    copy[20] ^= 0x10
    copy.withUnsafeMutableBytes { engine.handleDatagram($0, from: aPub) }
    #expect(engine.statistics.drops(.headerChecksum) == 1)
}

@Test func realCryptoEnginesTalkThroughEachOther() throws {
    // B's own output, fed back to a second engine with A's identity, decodes: the whole TX path
    // (Speck + header encryption with H = 34) round-trips through the whole RX path.
    let clock = ManualClock()
    let sinkB = EdgeRecordingSink()
    let b = edgeB(clock: clock, sink: sinkB, host: FakeHost(), random: FakeRandom(seed: 4))
    var configA = EdgeEngine.Configuration(community: Community("mynet"), mac: macA,
                                           supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654)])
    configA.tapIPv4 = ipA
    let sinkA = EdgeRecordingSink()
    let randomA = FakeRandom(seed: 5)
    let pipelineA = FramePipeline(community: Community("mynet"), transform: SpeckTransform(passphrase: Array("mysecret".utf8), random: randomA),
                                  headerEncryption: true, random: randomA)
    let a = EdgeEngine(configuration: configA, pipeline: pipelineA, random: randomA, clock: clock, datagrams: sinkA, frames: sinkA,
                       host: FakeHost(), verbosity: 0)
    a.start()
    b.start()
    let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA, extra: 100)
    frame.withUnsafeBytes { b.handleFrame($0) }
    let sent = try #require(sinkB.datagrams.last)
    #expect(sent.bytes.count == 34 + 17 + frame.count)
    #expect(sent.bytes[0] != 2) // the header is encrypted
    var bytes = sent.bytes
    bytes.withUnsafeMutableBytes { a.handleDatagram($0, from: PeerSocket(ipv4: 0xCB00_7106, port: 50000)) }
    #expect(sinkA.frames == [frame])
    // Control messages are encrypted too: B's REGISTER_SUPER decrypts with the community key.
    var reg = try #require(sinkB.datagrams.first).bytes
    let opened = reg.withUnsafeMutableBytes { try? HeaderCipher(community: Community("mynet")).decrypt($0) }
    #expect(opened?.headerLength == 34)
    #expect((try? WireCodec.decode(reg))?.header.code == .registerSuper)
}

import Testing
@testable import N2NWire

/// The frame of spec 2.9: B ← A, ethertype 0x0806, then bytes 0x0e...0x3b.
private let specFrame: [UInt8] = hex("02 00 00 00 00 02 02 00 00 00 00 01 08 06") + (0x0e...0x3b).map { UInt8($0) }

private func seal(_ p: FramePipeline, _ frame: [UInt8], stamp: UInt64 = 0) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: frame.count + FramePipeline.maxOverhead)
    let n = try frame.withUnsafeBytes { f in
        try out.withUnsafeMutableBytes { o in try p.seal(frame: f, srcMac: SpecExample.a, into: o, stamp: stamp) }
    }
    return Array(out[..<n])
}

/// The receive half as an edge runs it: header decryption, decode, payload open.
private func open(_ p: FramePipeline, _ datagram: [UInt8]) throws -> (PacketHeader, [UInt8]) {
    var bytes = datagram
    if let cipher = p.headerCipher {
        _ = try bytes.withUnsafeMutableBytes { b in try cipher.decrypt(b) }
    }
    let decoded = try WireCodec.decode(bytes)
    guard case .packet(let header) = decoded.message else { throw PipelineError.badFrameLength(-1) }
    var frame = [UInt8](repeating: 0, count: maxFrameLength)
    let n = try bytes.withUnsafeBytes { b in
        try frame.withUnsafeMutableBytes { f in
            try p.open(payload: UnsafeRawBufferPointer(rebasing: b[decoded.bodyEnd...]), transform: header.transform, into: f)
        }
    }
    return (header, Array(frame[..<n]))
}

@Suite struct PipelineTests {
    /// Spec 4.8 second vector: PACKET A→B, Speck payload of spec 2.9, header encrypted with stamp
    /// 0x6000000012345abc and random bits 34 12.
    @Test func sealsTheSpecHeaderEncryptedSpeckPacket() throws {
        let random = FixedRandom(Array(0...15) + [0x34, 0x12])
        let transform = try TransformID.speckCTR.makeTransform(passphrase: Array("mysecret".utf8), random: random)
        let pipeline = FramePipeline(community: Community("mynet"), transform: transform, headerEncryption: true, random: random)
        let wire = try seal(pipeline, specFrame, stamp: 0x6000_0000_1234_5abc)
        #expect(wire == hex("""
            01 9c 8a 86 66 3a 2e 8c fa ce 50 b7 48 09 16 da cc 09 d3 ce ac 5c e0 39 62 da cc 2e 76 aa 2a ee
            7e b0 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f e8 76 13 a2 2c fa 2e b3 02 23 df 3b 98
            3e 84 1b 09 9d 71 c5 b3 75 8a 17 b6 63 c5 02 e6 32 24 93 45 62 fe 8b d4 f4 ff ef 5d 95 2f fc 59
            c6 b6 3e 70 95 f3 58 0a cc 91 14 ba 0c 5c 23
            """))
        let (header, frame) = try open(pipeline, wire)
        #expect(frame == specFrame)
        #expect(header.srcMac == SpecExample.a)
        #expect(header.dstMac == SpecExample.b)
    }

    static let combinations: [(TransformID, CompressionID, Bool)] =
        TransformID.allCases.flatMap { t in CompressionID.allCases.flatMap { c in [(t, c, false), (t, c, true)] } }

    @Test(arguments: combinations)
    func roundTripsEveryCombination(_ t: TransformID, _ c: CompressionID, _ headerEncryption: Bool) throws {
        let random = SystemRandom()
        let pipeline = FramePipeline(community: Community("bench"), transform: try t.makeTransform(passphrase: Array("k".utf8), random: random),
                                     compression: c, headerEncryption: headerEncryption, random: random)
        let compressible = specFrame + [UInt8](repeating: 0, count: 1200)
        var noise = SystemRandomNumberGenerator()
        let incompressible = Array(specFrame[..<14]) + (0..<1276).map { _ in UInt8.random(in: 0...255, using: &noise) }
        for frame in [specFrame, compressible, incompressible, Array(specFrame[..<14])] {
            let wire = try seal(pipeline, frame, stamp: HeaderStamp.now(random: random))
            let (header, opened) = try open(pipeline, wire)
            #expect(opened == frame)
            #expect(header.transform.transformID == t.rawValue)
            if frame == compressible && c != .none { #expect(header.transform.compressionID == c.rawValue) }
            if frame == incompressible { #expect(header.transform.compressionID == 0) }
        }
    }

    @Test func rejectsAnotherTransformAndUnknownCompression() throws {
        let random = SystemRandom()
        let pipeline = FramePipeline(community: Community("bench"), transform: NullTransform(), random: random)
        var frame = [UInt8](repeating: 0, count: 64)
        let payload = Array(specFrame)
        try payload.withUnsafeBytes { p in
            try frame.withUnsafeMutableBytes { f in
                #expect(throws: PipelineError.transform(.wrongTransform(received: 2, expected: 1))) {
                    _ = try pipeline.open(payload: p, transform: TransformField(transform: .twofish), into: f)
                }
                #expect(throws: PipelineError.transform(.unsupportedCompression(3))) {
                    _ = try pipeline.open(payload: p, transform: TransformField(rawValue: 0x6001), into: f)
                }
                #expect(throws: PipelineError.badFrameLength(13)) {
                    _ = try pipeline.open(payload: UnsafeRawBufferPointer(rebasing: p[..<13]), transform: TransformField(rawValue: 1), into: f)
                }
                _ = try pipeline.open(payload: p, transform: TransformField(rawValue: 1), into: f)
            }
        }
    }

    @Test func refusesFramesOutsideEthernetLimits() throws {
        let pipeline = FramePipeline(community: Community("bench"), transform: NullTransform(), random: SystemRandom())
        for length in [0, 13, maxFrameLength + 1] {
            #expect(throws: PipelineError.badFrameLength(length)) { _ = try seal(pipeline, [UInt8](repeating: 1, count: length)) }
        }
    }
}

/// Every PACKET of the real captures opens, with the documented key, to the frame the scenario sent.
@Suite struct CaptureDecryptionTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var file: String
        var transform: TransformID
        var headerEncryption: Bool
        var testDescription: String { file }
    }

    static let vectors = [
        Vector(file: "a1-null.pcap", transform: .null, headerEncryption: false),
        Vector(file: "a1-lzo.pcap", transform: .null, headerEncryption: false),
        Vector(file: "a1-zstd.pcap", transform: .null, headerEncryption: false),
        Vector(file: "a2-twofish.pcap", transform: .twofish, headerEncryption: false),
        Vector(file: "a3-aes.pcap", transform: .aesCBC, headerEncryption: false),
        Vector(file: "a4-chacha20.pcap", transform: .chacha20, headerEncryption: false),
        Vector(file: "a5-speck.pcap", transform: .speckCTR, headerEncryption: false),
        Vector(file: "h-a1-header-enc.pcap", transform: .null, headerEncryption: true),
        Vector(file: "h-a3-header-enc-aes.pcap", transform: .aesCBC, headerEncryption: true),
    ]

    @Test(arguments: vectors)
    func everyPacketOpensToTheScenarioFrames(_ v: Vector) throws {
        let random = SystemRandom()
        let pipeline = FramePipeline(
            community: Community("bench"),
            transform: try v.transform.makeTransform(passphrase: Array("n2n-test-key".utf8), random: random),
            headerEncryption: v.headerEncryption, random: random)
        let edgeMacs: Set<MACAddress> = [1, 2, 3].map { MACAddress(0x02, 0, 0, 0, 0xfa, UInt8($0)) }.reduce(into: []) { $0.insert($1) }
        var packets = 0, arps = 0, echoRequests = 0, echoReplies = 0
        var multicastSequences: [MACAddress: Set<UInt64>] = [:]
        for d in try Pcap.n2nDatagrams(v.file) {
            var bytes = d.payload
            if v.headerEncryption {
                _ = try bytes.withUnsafeMutableBytes { b in try pipeline.headerCipher!.decrypt(b) }
            }
            let decoded = try WireCodec.decode(bytes)
            #expect(decoded.header.community == Community("bench"))
            guard case .packet = decoded.message else { continue }
            let (header, frame) = try open(pipeline, d.payload)
            packets += 1
            #expect(edgeMacs.contains(header.srcMac), "frame \(d.frameNumber)")
            #expect(MACAddress(loadingFrom: frame.withUnsafeBytes { $0 }, at: 0) == header.dstMac, "frame \(d.frameNumber)")
            #expect(MACAddress(loadingFrom: frame.withUnsafeBytes { $0 }, at: 6) == header.srcMac, "frame \(d.frameNumber)")
            let ethertype = UInt16(frame[12]) << 8 | UInt16(frame[13])
            #expect([0x0800, 0x0806].contains(ethertype), "frame \(d.frameNumber)")
            if ethertype == 0x0806 { arps += 1 }
            guard ethertype == 0x0800, frame.count >= 34 else { continue }
            let ipHeaderLength = Int(frame[14] & 0x0f) * 4
            let l4 = 14 + ipHeaderLength
            switch frame[23] {
            case 1 where frame[l4] == 8: echoRequests += 1
            case 1 where frame[l4] == 0: echoReplies += 1
            case 17 where frame.count >= l4 + 8 + 12 && Array(frame[(l4 + 8)..<(l4 + 12)]) == Array("NNMC".utf8):
                // Spec scenario: 64-byte payload "NNMC" + u64 BE sequence number to 239.1.1.1:5001.
                #expect(Array(frame[30..<34]) == [239, 1, 1, 1])
                #expect(MACAddress(loadingFrom: frame.withUnsafeBytes { $0 }, at: 0) == MACAddress(0x01, 0, 0x5e, 1, 1, 1))
                let seq = frame[(l4 + 12)..<(l4 + 20)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                multicastSequences[header.dstMac, default: []].insert(seq)
            default: break
            }
        }
        #expect(packets >= 20)
        #expect(arps >= 2)
        #expect(echoRequests >= 3)
        #expect(echoReplies >= 3)
        #expect(multicastSequences[MACAddress(0x01, 0, 0x5e, 1, 1, 1)] == [0, 1, 2])
    }
}

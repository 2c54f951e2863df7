import Testing
@testable import N2NWire

/// `V3FramePipeline` and the `FrameDialect` seam both pipelines share.
@Suite struct V3PipelineTests {
    static let frame = TransformTestSupport.specFrame
    static let pass = Array("mysecret".utf8)

    static func pipeline(_ id: TransformID, compression: CompressionID = .none, encrypted: Bool = false,
                         hidesPayloadIV: Bool = false) throws -> V3FramePipeline {
        let random = FixedRandom(Array(0...255))
        return V3FramePipeline(community: V3Example.community,
                               transform: try id.makeV3Transform(passphrase: pass, random: random), compression: compression,
                               headerKeys: encrypted ? V3HeaderKeys(community: V3Example.community) : nil,
                               hidesPayloadIV: hidesPayloadIV, random: random)
    }

    /// Seals, decrypts the header if any, opens through the seam; returns the datagram and the frame.
    static func roundTrip(_ p: some FrameDialect, _ frame: [UInt8], headerCipher: V3HeaderCipher?) throws -> ([UInt8], OpenedFrame, [UInt8]) {
        var datagram = [UInt8](repeating: 0, count: frame.count + V3FramePipeline.maxOverhead)
        let n = try frame.withUnsafeBytes { f in
            try datagram.withUnsafeMutableBytes { try p.seal(frame: f, srcMac: V3Example.a, into: $0, stamp: 0x62a3_b4c5_0000_0000, headerDstMac: nil) }
        }
        datagram.removeLast(datagram.count - n)
        let sent = datagram
        if let headerCipher { _ = try datagram.withUnsafeMutableBytes { try headerCipher.decrypt($0) } }
        var out = [UInt8](repeating: 0, count: 2048)
        let opened = try datagram.withUnsafeBytes { d in try out.withUnsafeMutableBytes { try p.openPacket(d, into: $0) } }
        return (sent, opened, Array(out[..<opened.length]))
    }

    @Test(arguments: TransformID.allCases)
    func sealsAndOpensEveryTransform(_ id: TransformID) throws {
        let compressible = Self.frame + [UInt8](repeating: 0, count: 600)
        for (compression, encrypted, hides) in [(CompressionID.none, false, false), (.lzo, true, false), (.zstd, true, true)] {
            let p = try Self.pipeline(id, compression: compression, encrypted: encrypted, hidesPayloadIV: hides)
            let (sent, opened, frame) = try Self.roundTrip(p, compressible, headerCipher: p.headerCipher)
            #expect(frame == compressible)
            #expect(opened.srcMac == V3Example.a && opened.dstMac == V3Example.b && !opened.fromSupernode)
            #expect(sent.withUnsafeBytes { v3HeaderLooksPlain($0) } == !encrypted)
            if !encrypted { #expect(sent[36] == 1 && sent[37] == UInt8(id.rawValue)) }
            #expect(sent.count < compressible.count || compression == .none)
        }
    }

    @Test func userPasswordModeHidesThePayloadIV() throws {
        let p = try Self.pipeline(.speckCTR, encrypted: true, hidesPayloadIV: true)
        let (sent, _, _) = try Self.roundTrip(p, Self.frame, headerCipher: p.headerCipher)
        var bytes = sent
        let h = try bytes.withUnsafeMutableBytes { try p.headerCipher!.decrypt($0) }.headerLength
        #expect(h == 38 + 16)
    }

    @Test func openRefusesWhatTheStockReceiverDrops() throws {
        let p = try Self.pipeline(.aesCBC)
        let (sent, _, _) = try Self.roundTrip(p, Self.frame, headerCipher: nil)
        var out = [UInt8](repeating: 0, count: 2048)
        func open(_ bytes: [UInt8]) throws -> OpenedFrame {
            try bytes.withUnsafeBytes { d in try out.withUnsafeMutableBytes { try p.openPacket(d, into: $0) } }
        }
        var wrongTransform = sent
        wrongTransform[37] = 5
        #expect(throws: PipelineError.transform(.wrongTransform(received: 5, expected: 3))) { _ = try open(wrongTransform) }
        for c: UInt8 in [0, 4, 255] {
            var bad = sent
            bad[36] = c
            #expect(throws: PipelineError.transform(.unsupportedCompression(c))) { _ = try open(bad) }
        }
        #expect(throws: PipelineError.notAPacket(11)) { _ = try open(hex(v3SpecVectors.first { $0.name == "QUERY_PEER" }!.bytes)) }
        #expect(throws: PipelineError.self) { _ = try open(Array(sent[..<50])) }
        let frameBuffer = [UInt8](repeating: 0, count: 13)
        #expect(throws: PipelineError.badFrameLength(13)) {
            _ = try frameBuffer.withUnsafeBytes { f in
                try out.withUnsafeMutableBytes { try p.seal(frame: f, srcMac: V3Example.a, into: $0, stamp: 0, headerDstMac: nil) }
            }
        }
    }

    /// The seam carries v2 too: the same calls on a v2 pipeline give a version-2 datagram.
    @Test func v2PipelineSpeaksThroughTheSameSeam() throws {
        let v2 = FramePipeline(community: Community("mynet"), transform: NullTransform(), random: FixedRandom([0]))
        let (sent, opened, frame) = try Self.roundTrip(v2, Self.frame, headerCipher: nil)
        #expect(sent[0] == 2 && v2.packetVersion == 2)
        #expect(frame == Self.frame && opened.srcMac == V3Example.a)
        let v3: any FrameDialect = try Self.pipeline(.null)
        #expect(v3.packetVersion == 3 && !v3.sealsEncryptedHeaders)
    }
}

extension N2NWireHeapProbeSuite {
    @Test("v3 transforms: no heap growth per packet over many encodes and decodes")
    func v3TransformsDoNotGrowTheHeap() throws {
        for id in TransformID.allCases {
            let t = try id.makeV3Transform(passphrase: Array("mysecret".utf8), random: SystemRandom())
            let growth = try TransformTestSupport.heapGrowthOverRoundTrips(t)
            #expect(growth < 16 * 1024, "\(id): heap grew by \(growth) bytes over 2000 packets")
        }
    }
}

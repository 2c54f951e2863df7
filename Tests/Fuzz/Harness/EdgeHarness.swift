#if canImport(Glibc)
import Glibc
#endif
import N2NWire

/// An edge's receive path for one configuration: (-H) header decryption → strict decode → for
/// PACKET, payload decryption and decompression into a 2048-byte frame buffer.
final class EdgeHarness {
    static let community = Community("bench")
    static let passphrase = Array("n2n-test-key".utf8)
    /// The clock the stamp check runs against; generated seeds carry stamps near it.
    static let now = HeaderStamp.make(unixSeconds: 0x6000_0000, microseconds: 0, random12: 0)

    let pipeline: FramePipeline
    /// Seals frames again for the round-trip check (same keys, its own scratch).
    let sealer: FramePipeline
    /// Exactly one maximum frame: a longer result must be an error, and ASan catches a write past it.
    let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFrameLength, alignment: 16)
    let datagram = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFrameLength + FramePipeline.maxOverhead, alignment: 16)
    let frameAgain = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFrameLength, alignment: 16)
    var previousStamp: UInt64? = HeaderStamp.initialPrevious(now: EdgeHarness.now)
    let extraCompressions: [CompressionID]

    /// `compressions`: what the seeds are compressed with (the receiver accepts every id anyway).
    init(transform: TransformID, compressions: [CompressionID] = [.none], headerEncryption: Bool = false) {
        let random = CounterRandom()
        do {
            pipeline = FramePipeline(community: Self.community,
                                     transform: try transform.makeTransform(passphrase: Self.passphrase, random: random),
                                     compression: compressions[0], headerEncryption: headerEncryption, random: random)
            sealer = FramePipeline(community: Self.community,
                                   transform: try transform.makeTransform(passphrase: Self.passphrase, random: random),
                                   compression: .none, headerEncryption: headerEncryption, random: random)
        } catch {
            fuzzFailure("cannot build \(transform): \(error)")
        }
        extraCompressions = Array(compressions.dropFirst())
    }

    func receive(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        withExactCopy(data, size) { receive($0) }
    }

    func receive(_ packet: UnsafeMutableRawBufferPointer) {
        if let cipher = pipeline.headerCipher {
            do {
                let (stamp, headerLength) = try cipher.decrypt(packet)
                if headerLength < 20 || headerLength > packet.count { fuzzFailure("header length \(headerLength) of \(packet.count)") }
                do { try HeaderStamp.check(stamp, now: Self.now, previous: &previousStamp) } catch { report(error) }
            } catch {
                report(error)
                return
            }
        }
        let bytes = UnsafeRawBufferPointer(packet)
        let decoded: DecodedPacket
        do {
            decoded = try WireCodec.decode(bytes)
        } catch {
            report(error)
            return
        }
        if decoded.bodyEnd > bytes.count { fuzzFailure("bodyEnd \(decoded.bodyEnd) past \(bytes.count)") }
        checkCodecRoundTrip(decoded)
        guard case .packet(let header) = decoded.message else { return }
        let length: Int
        do {
            length = try pipeline.open(payload: UnsafeRawBufferPointer(rebasing: bytes[decoded.bodyEnd...]),
                                       transform: header.transform, into: frame)
        } catch {
            report(error)
            return
        }
        if length < 14 || length > frame.count { fuzzFailure("open returned \(length)") }
        checkResealRoundTrip(UnsafeRawBufferPointer(rebasing: frame[..<length]), srcMac: header.srcMac)
    }

    /// An accepted frame, sealed again by this edge, must open to the same bytes.
    private func checkResealRoundTrip(_ opened: UnsafeRawBufferPointer, srcMac: MACAddress) {
        do {
            let n = try sealer.seal(frame: opened, srcMac: srcMac, into: datagram, stamp: Self.now)
            let sealed = UnsafeMutableRawBufferPointer(rebasing: datagram[..<n])
            if let cipher = sealer.headerCipher { _ = try cipher.decrypt(sealed) }
            let decoded = try WireCodec.decode(UnsafeRawBufferPointer(sealed))
            guard case .packet(let header) = decoded.message else { fuzzFailure("resealed frame is not a PACKET") }
            let m = try sealer.open(payload: UnsafeRawBufferPointer(rebasing: sealed[decoded.bodyEnd...]),
                                    transform: header.transform, into: frameAgain)
            guard m == opened.count, memcmp(frameAgain.baseAddress!, opened.baseAddress!, m) == 0 else {
                fuzzFailure("resealed frame of \(opened.count) bytes opened to \(m) different bytes")
            }
        } catch {
            fuzzFailure("resealing an accepted frame failed: \(error)")
        }
    }

    /// Valid datagrams: every seed frame sealed with each configured compression, plus control messages.
    func writeSeeds(_ seeds: inout SeedWriter) {
        let pipelines = [pipeline] + extraCompressions.map { c in
            FramePipeline(community: Self.community, transform: pipeline.transform, compression: c,
                          headerEncryption: pipeline.headerCipher != nil, random: CounterRandom())
        }
        let src = MACAddress(0x02, 0, 0, 0, 0xfa, 0x01)
        for p in pipelines {
            for f in seedFrames() {
                let n = f.withUnsafeBytes { frame in
                    do {
                        return try p.seal(frame: frame, srcMac: src, into: datagram, stamp: Self.now &+ 0x1000)
                    } catch { fuzzFailure("sealing a seed: \(error)") }
                }
                seeds.write(UnsafeRawBufferPointer(rebasing: datagram[..<n]))
            }
        }
        for message in controlSeedMessages(src: src) {
            guard var bytes = try? WireCodec.encode(CommonHeader(code: message.code, community: Self.community), message) else {
                fuzzFailure("encoding a seed \(message.code)")
            }
            if let cipher = pipeline.headerCipher {
                headerEncrypt(&bytes, cipher, headerLength: bytes.count, stamp: Self.now &+ 0x1000)
            }
            seeds.write(bytes)
        }
    }
}

/// One of each control message an edge or supernode receives.
func controlSeedMessages(src: MACAddress) -> [Message] {
    let dst = MACAddress(0x02, 0, 0, 0, 0xfa, 0x02)
    let v4 = PeerSocket(ipv4: 0x0AFA_0001, port: 50001)
    let v6 = PeerSocket(address: .v6(0x2001_0db8_0000_0000, 1), port: 1200)
    return [
        .register(Register(cookie: 7, srcMac: src, dstMac: dst)),
        .register(Register(cookie: 7, srcMac: src, dstMac: dst, sock: v6)),
        .registerAck(RegisterAck(cookie: 7, dstMac: dst, srcMac: src, sock: v4)),
        .registerSuper(RegisterSuper(cookie: 9, edgeMac: src)),
        .registerSuper(RegisterSuper(cookie: 9, edgeMac: src, authScheme: 1, authTokenLength: 8)),
        .registerSuperAck(RegisterSuperAck(cookie: 9, edgeMac: src, sock: v4)),
        .registerSuperAck(RegisterSuperAck(cookie: 9, edgeMac: src, sock: v4, backupCount: 1, backupSupernode: v6)),
        .peerInfo(PeerInfo(mac: dst, sock: v4)),
        .queryPeer(QueryPeer(srcMac: src, targetMac: dst)),
        .ignored(.ping),
        .ignored(.deregister),
        .ignored(.registerSuperNak),
    ]
}

/// Header-encrypts a seed in place.
func headerEncrypt(_ bytes: inout [UInt8], _ cipher: HeaderCipher, headerLength: Int, stamp: UInt64) {
    bytes.withUnsafeMutableBytes { b in
        do {
            try cipher.encrypt(b, headerLength: headerLength, stamp: stamp, random: CounterRandom())
        } catch { fuzzFailure("header-encrypting a seed: \(error)") }
    }
}

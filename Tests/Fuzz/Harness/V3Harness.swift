import N2NWire

/// v3 round trip: decoded → encoded → decoded gives the same message and consumes the same bytes.
func checkV3CodecRoundTrip(_ decoded: V3DecodedPacket) {
    let length = V3Codec.encodedLength(of: decoded.message)
    guard length == decoded.bodyEnd else {
        fuzzFailure("v3 encodedLength \(length) != decoded bodyEnd \(decoded.bodyEnd) for \(decoded.message.code)")
    }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 1)
    defer { buffer.deallocate() }
    do {
        let written = try V3Codec.encode(decoded.header, decoded.message, into: buffer)
        guard written == length else { fuzzFailure("v3 encode wrote \(written), expected \(length)") }
        let again = try V3Codec.decode(UnsafeRawBufferPointer(buffer))
        guard again.message == decoded.message, again.header.code == decoded.header.code,
              again.header.community == decoded.header.community, again.bodyEnd == decoded.bodyEnd
        else { fuzzFailure("v3 re-decoded \(again) != \(decoded)") }
    } catch {
        fuzzFailure("re-encoding a decoded v3 \(decoded.message.code) failed: \(error)")
    }
}

/// Plain v3 control messages of every kind, for seeds.
func v3SeedMessages(community: V3Community) -> [[UInt8]] {
    let a = MACAddress(2, 0, 0, 0, 0, 1), b = MACAddress(2, 0, 0, 0, 0, 2)
    let sock = PeerSocket(ipv4: 0xCB00_7105, port: 40000), sock6 = PeerSocket(address: .v6(0x2001_0db8 << 32, 1), port: 7654)
    let token = V3Auth(scheme: 1, token: WireBytes(Array(0x10...0x1f)))
    let long = V3Auth(scheme: 2, token: WireBytes([UInt8](repeating: 0xab, count: 48)))
    let sn: PacketFlags = [.socket, .fromSupernode]
    let messages: [(PacketFlags, V3Message)] = [
        ([], .register(V3Register(srcMac: a, dstMac: b, deviceAddress: V3DeviceAddress(address: 0x0A00_0001, prefixLength: 24), deviceDescription: "hostA"))),
        (sn, .register(V3Register(srcMac: a, dstMac: .zero, sock: sock6))),
        ([], .registerAck(V3RegisterAck(cookie: 0x10000, dstMac: a, srcMac: b))),
        ([], .packet(V3PacketHeader(srcMac: a, dstMac: b, transform: 5))),
        ([], .registerSuper(V3RegisterSuper(cookie: 1, edgeMac: a, deviceDescription: "x", auth: token))),
        (sn, .registerSuper(V3RegisterSuper(cookie: 2, edgeMac: a, sock: sock, auth: long, keyTime: 9))),
        ([], .unregisterSuper(V3UnregisterSuper(auth: token, srcMac: a))),
        (sn, .registerSuperAck(V3RegisterSuperAck(cookie: 1, srcMac: b, sock: sock, auth: long,
                                                  supernodes: [V3SupernodeEntry(sock: sock, mac: b), V3SupernodeEntry(sock: sock6, mac: a)]))),
        (sn, .registerSuperNak(V3RegisterSuperNak(cookie: 1, srcMac: a))),
        (.fromSupernode, .peerInfo(V3PeerInfo(srcMac: a, mac: b, sock: sock, preferredSock: sock6, load: 3, uptime: 60, version: "3.1.1"))),
        ([], .queryPeer(V3QueryPeer(srcMac: a, targetMac: .zero))),
        (.fromSupernode, .reRegisterSuper),
    ]
    return messages.compactMap { flags, m in
        try? V3Codec.encode(V3CommonHeader(code: m.code, flags: flags, community: community), m)
    }
}

/// `v3-codec`: the supernode's plain test, then `V3Codec.decode` of any datagram.
final class V3CodecHarness: FuzzTarget {
    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        withExactCopy(data, size) { buf in
            let bytes = UnsafeRawBufferPointer(buf)
            let plain = v3HeaderLooksPlain(bytes)
            do {
                let decoded = try V3Codec.decode(bytes)
                checkV3CodecRoundTrip(decoded)
                if plain && decoded.header.code.rawValue > V3PacketCode.supernodeMaximum { fuzzFailure("plain test admitted code \(decoded.header.code)") }
            } catch {
                report(error)
            }
        }
    }

    func writeSeeds(_ seeds: inout SeedWriter) {
        for m in v3SeedMessages(community: V3Community("mynet")) { seeds.write(m) }
    }
}

/// `v3-header`: trial decryption as a receiver does it (dynamic key, then static key over N − 16),
/// then the codec. A failed attempt must leave the datagram as it came.
final class V3HeaderHarness: FuzzTarget {
    let community = V3Community("mynet")
    let staticCipher: V3HeaderCipher
    let dynamicCipher: V3HeaderCipher

    init() {
        staticCipher = V3HeaderCipher(community: community)
        dynamicCipher = V3HeaderCipher(keys: V3HeaderKeys(community: community, dynamicKey: Array(0..<16)))
    }

    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        withExactCopy(data, size) { buf in
            let original = [UInt8](buf)
            var opened: (seal: HeaderSeal, headerLength: Int)?
            for (cipher, length) in [(dynamicCipher, size), (staticCipher, size - 16)] where length >= 0 {
                let part = UnsafeMutableRawBufferPointer(rebasing: buf[..<length])
                do {
                    opened = try cipher.decryptSealed(part)
                    if let h = opened?.headerLength, h < 24 || h > length { fuzzFailure("header length \(h) of \(length)") }
                    do { checkV3CodecRoundTrip(try V3Codec.decode(UnsafeRawBufferPointer(part))) } catch { report(error) }
                    break
                } catch {
                    report(error)
                    if !buf.elementsEqual(original) { fuzzFailure("a failed decryption changed the datagram") }
                }
            }
            var slot = ReplayGuard(now: 0x62a3_b4c5_0000_0000)
            if let opened { _ = try? V3Stamp.check(opened.seal, now: 0x62a3_b4c5_0000_0000, slot: &slot, allowJitter: true) }
        }
    }

    func writeSeeds(_ seeds: inout SeedWriter) {
        let random = CounterRandom()
        for (i, var m) in v3SeedMessages(community: community).enumerated() {
            let cipher = i & 1 == 0 ? staticCipher : dynamicCipher
            let h = m.count >= 38 && m[3] & 0x1F == 3 ? 38 : m.count
            m.withUnsafeMutableBytes { try? cipher.encrypt($0, headerLength: h, stamp: 0x62a3_b4c5_0000_0000 + UInt64(i) << 12, random: random) }
            seeds.write(m)
        }
    }
}

/// `v3-edge`: an edge's PACKET receive path. Byte 0 picks the transform (bits 0-2, 1...5) and
/// header encryption (bit 3); the rest is the datagram: decrypt, decode, open into 2048 bytes,
/// and a frame that opens must seal and open back to itself.
final class V3EdgeHarness: FuzzTarget {
    let community = V3Community("mynet")
    let plainPipelines: [V3FramePipeline]
    let encryptedPipelines: [V3FramePipeline]
    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFrameLength, alignment: 16)
    let resealed = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFrameLength + V3FramePipeline.maxOverhead, alignment: 16)
    let again = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFrameLength, alignment: 16)

    init() {
        let random = CounterRandom()
        let community = V3Community("mynet")
        func make(_ keys: V3HeaderKeys?) -> [V3FramePipeline] {
            TransformID.allCases.map { id in
                let t = try! id.makeV3Transform(passphrase: Array("mysecret".utf8), random: random)
                return V3FramePipeline(community: community, transform: t, compression: .lzo, headerKeys: keys, random: random)
            }
        }
        plainPipelines = make(nil)
        encryptedPipelines = make(V3HeaderKeys(community: community))
    }

    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard size >= 1, let data else { return }
        let selector = data[0]
        let index = Int(selector & 7) % 5
        let encrypted = selector & 8 != 0
        let pipeline = (encrypted ? encryptedPipelines : plainPipelines)[index]
        withExactCopy(data + 1, size - 1) { buf in
            if let cipher = pipeline.headerCipher {
                do { _ = try cipher.decrypt(buf) } catch { report(error); return }
            }
            do {
                let opened = try pipeline.openPacket(UnsafeRawBufferPointer(buf), into: output)
                guard opened.length >= 14, opened.length <= maxFrameLength else { fuzzFailure("frame length \(opened.length)") }
                let frame = UnsafeRawBufferPointer(rebasing: output[..<opened.length])
                let n = try pipeline.seal(frame: frame, srcMac: opened.srcMac, into: resealed, stamp: 0x62a3_b4c5_0000_0000,
                                          headerDstMac: opened.dstMac)
                let datagram = UnsafeMutableRawBufferPointer(rebasing: resealed[..<n])
                if let cipher = pipeline.headerCipher { _ = try cipher.decrypt(datagram) }
                let back = try pipeline.openPacket(UnsafeRawBufferPointer(datagram), into: again)
                guard back.length == opened.length, again[..<back.length].elementsEqual(frame) else {
                    fuzzFailure("resealed frame does not open to itself")
                }
            } catch {
                report(error)
            }
        }
    }

    func writeSeeds(_ seeds: inout SeedWriter) {
        for (encrypted, pipelines) in [(false, plainPipelines), (true, encryptedPipelines)] {
            for (i, p) in pipelines.enumerated() {
                for frame in seedFrames() {
                    var out = [UInt8](repeating: 0, count: frame.count + V3FramePipeline.maxOverhead + 1)
                    out[0] = UInt8(i) | (encrypted ? 8 : 0)
                    let n = frame.withUnsafeBytes { f in
                        out.withUnsafeMutableBytes { o in
                            (try? p.seal(frame: f, srcMac: MACAddress(2, 0, 0, 0, 0, 1),
                                         into: UnsafeMutableRawBufferPointer(rebasing: o[1...]), stamp: 0x62a3_b4c5_0000_0000)) ?? 0
                        }
                    }
                    if n > 0 { seeds.write(Array(out[..<(n + 1)])) }
                }
            }
        }
    }
}

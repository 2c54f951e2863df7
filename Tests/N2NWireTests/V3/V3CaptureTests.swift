import Testing
@testable import N2NWire

/// Every datagram captured from stock 3.1.1 (`V3Captures`): header-decrypts with our keys where
/// `-H` was on, decodes, encodes back byte for byte, and every PACKET opens to the Ethernet frame
/// its header announces with the key "mysecret".
@Suite struct V3CaptureTests {
    static let transforms: [String: TransformID] = ["a2": .twofish, "a3": .aesCBC, "a4": .chacha20, "h5": .speckCTR]

    static func socket(_ text: String) -> PeerSocket {
        let parts = text.split(separator: ":")
        guard case .v4(let a)? = IPAddress(ipv4: parts[0]) else { fatalError("bad address \(text)") }
        return PeerSocket(ipv4: a, port: UInt16(parts[1])!)
    }

    @Test(arguments: V3Captures.all)
    func decodesReencodesAndOpens(_ d: V3CapturedDatagram) throws {
        var bytes = hex(d.hex)
        if d.capture == "h5" {
            #expect(!bytes.withUnsafeBytes { v3HeaderLooksPlain($0) })
            let cipher = V3HeaderCipher(community: V3Example.community)
            let (stamp, h) = try bytes.withUnsafeMutableBytes { try cipher.decrypt($0) }
            #expect(h >= 24 && h <= bytes.count)
            #expect(stamp >> 32 > 0x6000_0000, "a Unix time after 2021")
        }
        #expect(bytes.withUnsafeBytes { v3HeaderLooksPlain($0) })
        let decoded = try V3Codec.decode(bytes)
        #expect(decoded.header.community == V3Example.community)
        let again = try V3Codec.encode(decoded.header, decoded.message)
        #expect(hexString(again) == hexString(bytes[..<decoded.bodyEnd]))
        let fromSupernode = d.source.hasSuffix(":7654")
        #expect(decoded.header.flags.contains(.fromSupernode) == fromSupernode)

        switch decoded.message {
        case .packet(let header):
            let pipeline = V3FramePipeline(community: V3Example.community,
                                           transform: try Self.transforms[d.capture]!.makeV3Transform(passphrase: Array("mysecret".utf8), random: FixedRandom([0])),
                                           random: FixedRandom([0]))
            var frame = [UInt8](repeating: 0, count: 2048)
            let n = try bytes.withUnsafeBytes { b in
                try frame.withUnsafeMutableBytes { try pipeline.openPacket(b, into: $0) }
            }
            #expect(n.length >= 42)
            #expect(MACAddress(frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]) == header.dstMac)
            #expect(MACAddress(frame[6], frame[7], frame[8], frame[9], frame[10], frame[11]) == header.srcMac)
            #expect([0x0800, 0x0806].contains(UInt16(frame[12]) << 8 | UInt16(frame[13])))
            #expect(header.compression >= 1 && header.compression <= 2)
            if fromSupernode { #expect(header.sock != nil) }
        case .registerSuperAck(let ack):
            #expect(ack.sock == Self.socket(d.destination))
            #expect(ack.lifetime == 15)
            #expect(decoded.header.flags == [.socket, .fromSupernode])
        case .registerSuper(let reg):
            #expect(reg.edgeMac == V3Example.b)
            #expect(reg.auth.scheme == 1 && reg.auth.token.count == 16)
            #expect(reg.deviceAddress == V3DeviceAddress(address: 0x0A09_0002, prefixLength: 24))
        case .peerInfo(let info):
            // The stock edges' keep-alive PING is answered by a PONG: all-zero mac, our public socket.
            #expect(info.isPong)
            #expect(info.sock == Self.socket(d.destination))
            #expect(info.version.text == "3.1.1")
            #expect(info.load == 0)
        case .queryPeer(let query):
            #expect(query.isPing)
        case .register(let reg):
            #expect([V3Register.regularCookie, V3Register.forwardedCookie].contains(reg.cookie))
            #expect(reg.deviceAddress.prefixLength == 24)
        case .registerAck(let ack):
            #expect([V3Register.regularCookie, V3Register.forwardedCookie].contains(ack.cookie))
        default:
            Issue.record("unexpected \(decoded.message.code) in the capture")
        }
    }

    @Test func everyMessageKindWasCaptured() throws {
        var codes = Set<UInt8>()
        for d in V3Captures.all where d.capture != "h5" { codes.insert(hex(d.hex)[3] & 0x1F) }
        #expect(codes == [1, 3, 4, 5, 7, 10, 11])
    }
}

/// The federation capture: the supernode list's little-endian port as a stock supernode writes it,
/// the federation's header keys, a forwarded registration and relayed PACKETs.
@Suite struct V3FederationCaptureTests {
    static let snA = MACAddress(0x02, 0x53, 0x4e, 0, 0, 0x01)
    static let snB = MACAddress(0x02, 0x53, 0x4e, 0, 0, 0x02)
    static let snBSock = PeerSocket(ipv4: 0x0A4D_0002, port: 7654)

    @Test(arguments: V3Captures.fed)
    func decodes(_ d: V3CapturedDatagram) throws {
        var bytes = hex(d.hex)
        let betweenSupernodes = d.source.hasSuffix(":7654") && d.destination.hasSuffix(":7654")
        var federation = false
        if !bytes.withUnsafeBytes({ v3HeaderLooksPlain($0) }) {
            #expect(betweenSupernodes)
            _ = try bytes.withUnsafeMutableBytes { try V3HeaderCipher(community: V3Example.federation).decrypt($0) }
            federation = true
        }
        let decoded = try V3Codec.decode(bytes)
        #expect(decoded.header.community == (federation ? V3Example.federation : V3Example.community))
        #expect(hexString(try V3Codec.encode(decoded.header, decoded.message)) == hexString(bytes[..<decoded.bodyEnd]))
        switch decoded.message {
        case .registerSuper(let reg) where federation:
            #expect(reg.edgeMac == Self.snB && decoded.header.flags == .fromSupernode)
            #expect(reg.keyTime == 0 && reg.auth.scheme == 1)
        case .registerSuperAck(let ack) where federation:
            #expect(ack.srcMac == Self.snA && ack.sock == Self.snBSock)
        case .registerSuper(let reg):
            #expect(reg.edgeMac == V3Example.b)
            if betweenSupernodes {
                // Forwarded to the federation with the edge's public socket inserted (flags 0x65).
                #expect(decoded.header.flags == [.socket, .fromSupernode])
                #expect(reg.sock?.address == .v4(0x0A4D_0002) && reg.sock?.port != 7654)
            }
        case .registerSuperAck(let ack):
            #expect(ack.srcMac == Self.snA)
            #expect(ack.supernodes == [V3SupernodeEntry(sock: Self.snBSock, mac: Self.snB)])
            // 7654 = 0x1de6, written e6 1d by the little-endian stock supernode.
            #expect(Array(bytes[54...57]) == [0x02, 0x00, 0xe6, 0x1d])
        case .packet(let header):
            #expect(header.transform == 1 && header.compression == 1)
            var out = [UInt8](repeating: 0, count: 2048)
            let pipeline = V3FramePipeline(community: V3Example.community, transform: NullTransform(), random: FixedRandom([0]))
            let opened = try bytes.withUnsafeBytes { b in try out.withUnsafeMutableBytes { try pipeline.openPacket(b, into: $0) } }
            #expect(opened.dstMac == .broadcast && out[12] == 0x08 && out[13] == 0x06)
            #expect(opened.fromSupernode == (opened.sock != nil))
        default:
            Issue.record("unexpected \(decoded.message.code)")
        }
    }
}

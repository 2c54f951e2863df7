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

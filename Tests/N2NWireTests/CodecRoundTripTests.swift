import Testing
@testable import N2NWire

/// decode(encode(x)) == x for every message type, over a spread of field values.
@Suite struct CodecRoundTripTests {
    static let socks: [PeerSocket?] = [
        nil, PeerSocket(ipv4: 0x0A00_0001, port: 1), PeerSocket(ipv4: 0xFFFF_FFFF, port: 65535),
        PeerSocket(address: .v6(0xfe80_0000_0000_0000, 0x0000_0000_dead_beef), port: 1968),
    ]
    static let macs = [MACAddress.zero, .broadcast, MACAddress(0x02, 0x11, 0x22, 0x33, 0x44, 0x55)]
    static let communities = [Community("x"), Community("bench"), Community("fifteen-chars-x")]

    static var messages: [Message] {
        var out: [Message] = []
        for s in socks {
            for m in macs {
                out.append(.register(Register(cookie: 0xDEAD_BEEF, srcMac: m, dstMac: macs[2], sock: s)))
                out.append(.registerAck(RegisterAck(cookie: 7, dstMac: m, srcMac: macs[2], sock: s)))
                out.append(.packet(PacketHeader(srcMac: macs[2], dstMac: m, sock: s, transform: TransformField(rawValue: 0x4003))))
            }
            if let s {
                out.append(.registerSuperAck(RegisterSuperAck(cookie: 1, edgeMac: macs[2], lifetime: 120, sock: s)))
                out.append(.registerSuperAck(RegisterSuperAck(cookie: 1, edgeMac: macs[2], sock: s, backupCount: 1, backupSupernode: s)))
                out.append(.peerInfo(PeerInfo(aflags: 3, mac: macs[2], sock: s)))
            }
        }
        out.append(.registerSuper(RegisterSuper(cookie: 0xFEFE_FEFE, edgeMac: macs[2])))
        out.append(.registerSuper(RegisterSuper(cookie: 0, edgeMac: macs[2], authScheme: 1, authTokenLength: 32)))
        out.append(.queryPeer(QueryPeer(srcMac: macs[2], targetMac: macs[1])))
        out.append(.ignored(.ping))
        out.append(.ignored(.federation))
        return out
    }

    /// The encoder derives SOCKET from the presence of an optional sock.
    static func carriesOptionalSock(_ message: Message) -> Bool {
        switch message {
        case .register(let m): m.sock != nil
        case .registerAck(let m): m.sock != nil
        case .packet(let m): m.sock != nil
        default: false
        }
    }

    @Test(arguments: messages)
    func roundTrips(_ message: Message) throws {
        for community in Self.communities {
            var flags: PacketFlags = [.fromSupernode]
            if Self.carriesOptionalSock(message) { flags.insert(.socket) }
            let header = CommonHeader(ttl: 1, code: message.code, flags: flags, community: community)
            let bytes = try WireCodec.encode(header, message)
            #expect(bytes.count == WireCodec.encodedLength(of: message))
            let decoded = try WireCodec.decode(bytes)
            #expect(decoded.message == message)
            #expect(decoded.header == header)
            #expect(decoded.bodyEnd == bytes.count)
        }
    }
}

import Testing
@testable import N2NWire

/// Properties over every v3 vector: each single-bit flip decodes cleanly or is rejected, and what
/// decodes encodes back to something that decodes to the same value.
@Suite struct V3CodecPropertyTests {
    @Test(arguments: v3SpecVectors + v3StockWireVectors)
    func bitFlipsNeverCrashAndRoundTrip(_ v: V3CodecVector) throws {
        let original = hex(v.bytes)
        for bit in 0..<(original.count * 8) {
            var bytes = original
            bytes[bit / 8] ^= 1 << (bit % 8)
            guard let decoded = try? V3Codec.decode(bytes) else { continue }
            let again = try V3Codec.encode(decoded.header, decoded.message)
            #expect(again.count == V3Codec.encodedLength(of: decoded.message))
            let redecoded = try V3Codec.decode(again)
            #expect(redecoded.message == decoded.message, "bit \(bit) of \(v.name)")
            #expect(redecoded.header.code == decoded.header.code)
            #expect(redecoded.header.community == decoded.header.community)
        }
    }

    @Test func randomMessagesRoundTrip() throws {
        var rng = TransformTestSupport.SeededGenerator(seed: 0x5eed)
        for _ in 0..<2000 {
            let message = randomMessage(&rng)
            let header = V3CommonHeader(ttl: UInt8.random(in: 0...255, using: &rng), code: message.code,
                                        flags: [.fromSupernode], community: V3Community("c\(rng.next() % 1000)"))
            let bytes = try V3Codec.encode(header, message)
            let decoded = try V3Codec.decode(bytes)
            #expect(decoded.message == message)
            #expect(decoded.bodyEnd == bytes.count)
        }
    }

    private func randomMessage(_ rng: inout TransformTestSupport.SeededGenerator) -> V3Message {
        func mac() -> MACAddress { MACAddress(rawValue: rng.next()) }
        func sock() -> PeerSocket {
            rng.next() & 3 == 0 ? PeerSocket(address: .v6(rng.next(), rng.next()), port: UInt16(truncatingIfNeeded: rng.next()))
                : PeerSocket(ipv4: UInt32(truncatingIfNeeded: rng.next()), port: UInt16(truncatingIfNeeded: rng.next()))
        }
        func maybeSock() -> PeerSocket? { rng.next() & 1 == 0 ? nil : sock() }
        func auth() -> V3Auth {
            let n = Int(rng.next() % 49)
            return V3Auth(scheme: UInt16(rng.next() % 3), token: WireBytes((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        }
        func dev() -> V3DeviceAddress { V3DeviceAddress(address: UInt32(truncatingIfNeeded: rng.next()), prefixLength: UInt8(rng.next() % 33)) }
        let u32 = UInt32(truncatingIfNeeded: rng.next())
        switch rng.next() % 10 {
        case 0: return .register(V3Register(cookie: u32, srcMac: mac(), dstMac: mac(), sock: maybeSock(), deviceAddress: dev(), deviceDescription: "d\(u32)"))
        case 1: return .registerAck(V3RegisterAck(cookie: u32, dstMac: mac(), srcMac: mac(), sock: maybeSock()))
        case 2: return .packet(V3PacketHeader(srcMac: mac(), dstMac: mac(), sock: maybeSock(), compression: UInt8(rng.next() % 4), transform: UInt8(rng.next() % 6)))
        case 3: return .registerSuper(V3RegisterSuper(cookie: u32, edgeMac: mac(), sock: maybeSock(), deviceAddress: dev(),
                                                      deviceDescription: "edge-with-a-long-name", auth: auth(), keyTime: u32 >> 3))
        case 4: return .unregisterSuper(V3UnregisterSuper(auth: auth(), srcMac: mac()))
        case 5:
            let entries = (0..<Int(rng.next() % 45)).map { _ in V3SupernodeEntry(sock: sock(), mac: mac()) }
            return .registerSuperAck(V3RegisterSuperAck(cookie: u32, srcMac: mac(), deviceAddress: dev(), lifetime: 15, sock: sock(),
                                                        auth: auth(), supernodes: entries, keyTime: u32 >> 1))
        case 6: return .registerSuperNak(V3RegisterSuperNak(cookie: u32, srcMac: mac(), auth: auth()))
        case 7: return .peerInfo(V3PeerInfo(aflags: 0, srcMac: mac(), mac: mac(), sock: sock(), preferredSock: maybeSock(),
                                            load: u32, uptime: u32 >> 2, version: "3.1.1-\(u32)"))
        case 8: return .queryPeer(V3QueryPeer(srcMac: mac(), targetMac: mac(), aflags: UInt16(truncatingIfNeeded: u32)))
        default: return .reRegisterSuper
        }
    }
}

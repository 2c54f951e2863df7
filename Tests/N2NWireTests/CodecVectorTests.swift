import Testing
@testable import N2NWire

/// Spec 1.6: community "mynet", edge A = 02:00:00:00:00:01, edge B = 02:00:00:00:00:02.
enum SpecExample {
    static let community = Community("mynet")
    static let a = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    static let b = MACAddress(0x02, 0, 0, 0, 0, 0x02)
    static let publicSock = PeerSocket(ipv4: 0xCB00_7105, port: 40000)  // 203.0.113.5:40000
    static let cookie: UInt32 = 0x0102_0304
}

struct CodecVector: Sendable, CustomTestStringConvertible {
    var name: String
    var header: CommonHeader
    var message: Message
    var bytes: String
    var testDescription: String { name }
}

let specVectors: [CodecVector] = {
    let c = SpecExample.community, a = SpecExample.a, b = SpecExample.b, s = SpecExample.publicSock
    return [
        CodecVector(
            name: "REGISTER_SUPER", header: CommonHeader(code: .registerSuper, community: c),
            message: .registerSuper(RegisterSuper(cookie: SpecExample.cookie, edgeMac: a)),
            bytes: "02 02 00 05 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00 01 02 03 04 02 00 00 00 00 01 00 00 00 00"),
        CodecVector(
            name: "REGISTER_SUPER_ACK",
            header: CommonHeader(code: .registerSuperAck, flags: [.socket, .fromSupernode], community: c),
            message: .registerSuperAck(RegisterSuperAck(cookie: SpecExample.cookie, edgeMac: a, lifetime: 15, sock: s)),
            bytes: """
            02 02 00 66 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00 01 02 03 04 02 00 00 00 00 01 00 0f
            00 00 9c 40 cb 00 71 05 00
            """),
        CodecVector(
            name: "REGISTER", header: CommonHeader(code: .register, community: c),
            message: .register(Register(srcMac: a, dstMac: b)),
            bytes: "02 02 00 01 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00 07 5b cd 15 02 00 00 00 00 01 02 00 00 00 00 02"),
        CodecVector(
            name: "REGISTER_ACK", header: CommonHeader(code: .registerAck, community: c),
            message: .registerAck(RegisterAck(cookie: Register.standardCookie, dstMac: a, srcMac: b)),
            bytes: "02 02 00 04 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00 07 5b cd 15 02 00 00 00 00 01 02 00 00 00 00 02"),
        CodecVector(
            name: "QUERY_PEER", header: CommonHeader(code: .queryPeer, community: c),
            message: .queryPeer(QueryPeer(srcMac: a, targetMac: b)),
            bytes: "02 02 00 0a 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 00 01 02 00 00 00 00 02"),
        CodecVector(
            name: "PEER_INFO", header: CommonHeader(code: .peerInfo, flags: .fromSupernode, community: c),
            message: .peerInfo(PeerInfo(mac: b, sock: s)),
            bytes: "02 02 00 29 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 00 02 00 00 9c 40 cb 00 71 05"),
        CodecVector(
            name: "PACKET header", header: CommonHeader(code: .packet, community: c),
            message: .packet(PacketHeader(srcMac: a, dstMac: b, transform: TransformField(transform: .speckCTR))),
            bytes: "02 02 00 03 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 00 01 02 00 00 00 00 02 00 05"),
        CodecVector(
            name: "PACKET header relayed",
            header: CommonHeader(ttl: 1, code: .packet, flags: [.socket, .fromSupernode], community: c),
            message: .packet(PacketHeader(srcMac: a, dstMac: b, sock: s, transform: TransformField(transform: .speckCTR))),
            bytes: """
            02 01 00 63 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 00 01 02 00 00 00 00 02
            00 00 9c 40 cb 00 71 05 00 05
            """),
    ]
}()

@Suite struct CodecVectorTests {
    @Test(arguments: specVectors)
    func encodesSpecVector(_ v: CodecVector) throws {
        #expect(try WireCodec.encode(v.header, v.message) == hex(v.bytes))
    }

    @Test(arguments: specVectors)
    func decodesSpecVector(_ v: CodecVector) throws {
        let bytes = hex(v.bytes)
        let decoded = try WireCodec.decode(bytes)
        #expect(decoded.header == v.header)
        #expect(decoded.message == v.message)
        #expect(decoded.bodyEnd == bytes.count)
    }

    /// Every prefix shorter than the spec's minimum length (spec 1.5) is a named truncation error.
    @Test(arguments: specVectors)
    func everyTruncationIsATypedError(_ v: CodecVector) {
        let bytes = hex(v.bytes)
        for length in 0..<bytes.count {
            #expect(throws: WireError.self, "prefix \(length) of \(v.name)") {
                _ = try WireCodec.decode(Array(bytes[..<length]))
            }
        }
    }

    @Test func registerAckIsRegisterWithSwappedOrder() {
        // Spec 1.6: the ACK is byte-identical to the REGISTER apart from the packet code.
        var reg = hex(specVectors[2].bytes), ack = hex(specVectors[3].bytes)
        reg[3] = 0
        ack[3] = 0
        #expect(reg == ack)
    }

    @Test func trailingBytesAfterControlMessageAreIgnored() throws {
        let bytes = hex(specVectors[4].bytes) + [0xde, 0xad]
        let decoded = try WireCodec.decode(bytes)
        #expect(decoded.message == specVectors[4].message)
        #expect(decoded.bodyEnd == bytes.count - 2)
    }
}

@Suite struct CodecStrictnessTests {
    @Test func wrongVersionIsRejected() {
        var bytes = hex(specVectors[0].bytes)
        for v: UInt8 in [0, 1, 3, 0xff] {
            bytes[0] = v
            #expect(throws: WireError.badVersion(v)) { _ = try WireCodec.decode(bytes) }
        }
    }

    @Test func emptyAndShortDatagramsAreRejected() {
        for n in 0..<CommonHeader.size {
            #expect(throws: WireError.truncated(.commonHeader, needed: 20, available: n)) {
                _ = try WireCodec.decode([UInt8](repeating: 2, count: n))
            }
        }
    }

    /// Spec 10.1 item 1: the reference copies up to 65535 token bytes into a 32-byte stack buffer.
    @Test(arguments: [33, 64, 255, 65535])
    func oversizedAuthTokenIsRejected(_ size: Int) {
        var bytes = hex(specVectors[0].bytes)
        bytes[32] = UInt8(size >> 8)
        bytes[33] = UInt8(size & 0xff)
        bytes += [UInt8](repeating: 0x41, count: min(size, 100))
        #expect(throws: WireError.authTokenTooLong(size)) { _ = try WireCodec.decode(bytes) }
    }

    @Test func authTokenUpToLimitIsSkipped() throws {
        var bytes = hex(specVectors[0].bytes)
        bytes[33] = 32
        #expect(throws: WireError.truncated(.authToken, needed: 66, available: 34)) { _ = try WireCodec.decode(bytes) }
        bytes += [UInt8](repeating: 0x41, count: 32)
        let decoded = try WireCodec.decode(bytes)
        guard case .registerSuper(let m) = decoded.message else { Issue.record("wrong type"); return }
        #expect(m.authTokenLength == 32)
        #expect(decoded.bodyEnd == 66)
    }

    @Test func socketFlagWithoutSockIsTruncation() {
        var bytes = hex(specVectors[2].bytes)  // REGISTER, 36 bytes
        bytes[3] |= 0x40
        #expect(throws: WireError.truncated(.sock, needed: 44, available: 36)) { _ = try WireCodec.decode(bytes) }
        bytes += [0x80, 0, 0, 1, 0, 0]  // IPv6 family announced: needs 20 bytes
        #expect(throws: WireError.truncated(.sock, needed: 56, available: 42)) { _ = try WireCodec.decode(bytes) }
    }

    @Test func ipv6SockIsParsed() throws {
        let sock = PeerSocket(address: .v6(0x2001_0db8_0000_0000, 0x0000_0000_0000_0001), port: 7654)
        let header = CommonHeader(code: .peerInfo, flags: .fromSupernode, community: SpecExample.community)
        let message = Message.peerInfo(PeerInfo(mac: SpecExample.b, sock: sock))
        let bytes = try WireCodec.encode(header, message)
        #expect(bytes.count == 48)
        #expect(Array(bytes[28..<32]) == [0x80, 0x00, 0x1d, 0xe6])
        #expect(try WireCodec.decode(bytes).message == message)
        #expect(sock.description == "[2001:db8::1]:7654")
    }

    @Test func familyWordTestsOnlyBit15() throws {
        var bytes = hex(specVectors[5].bytes)  // PEER_INFO with IPv4 sock at 28
        bytes[28] = 0x7f
        bytes[29] = 0xff
        guard case .peerInfo(let m) = try WireCodec.decode(bytes).message else { Issue.record("type"); return }
        #expect(m.sock == SpecExample.publicSock)
    }

    @Test func ignoredCodesDecodeAsIgnored() throws {
        for code: UInt8 in [0, 2, 8, 11, 31] {
            var bytes = hex(specVectors[0].bytes)
            bytes[3] = code
            #expect(try WireCodec.decode(bytes).message == .ignored(PacketCode(rawValue: code)))
        }
    }

    /// Spec 1.4.6 declares the NAK body as the 4-byte cookie.
    @Test func registerSuperNakCarriesTheCookie() throws {
        let header = CommonHeader(code: .registerSuperNak, flags: .fromSupernode, community: SpecExample.community)
        let nak = Message.registerSuperNak(RegisterSuperNak(cookie: SpecExample.cookie))
        let bytes = try WireCodec.encode(header, nak)
        #expect(bytes == hex("02 02 00 27 6d 79 6e 65 74 00 00 00 00 00 00 00 00 00 00 00 01 02 03 04"))
        #expect(try WireCodec.decode(bytes).message == nak)
        #expect(throws: WireError.truncated(.cookie, needed: 24, available: 22)) { _ = try WireCodec.decode(Array(bytes[..<22])) }
    }

    @Test func backupSupernodeIsParsedWhenAnnounced() throws {
        var bytes = hex(specVectors[1].bytes)
        bytes[40] = 2
        #expect(throws: WireError.truncated(.backupSock, needed: 49, available: 41)) { _ = try WireCodec.decode(bytes) }
        bytes += [0, 0, 0x1c, 0x96, 10, 0, 0, 9] + [0xAA, 0xBB]
        guard case .registerSuperAck(let m) = try WireCodec.decode(bytes).message else { Issue.record("type"); return }
        #expect(m.backupCount == 2)
        #expect(m.backupSupernode == PeerSocket(ipv4: 0x0A00_0009, port: 7318))
    }

    @Test func encoderRefusesSmallBuffers() {
        var buffer = [UInt8](repeating: 0, count: 35)
        buffer.withUnsafeMutableBytes { buf in
            #expect(throws: WireError.bufferTooSmall(needed: 36, available: 35)) {
                _ = try WireCodec.encode(specVectors[2].header, specVectors[2].message, into: buf)
            }
        }
    }

    @Test func communityNameIsTruncatedTo15() {
        let c = Community("abcdefghijklmnopqrstuvwxyz")
        #expect(c.name == "abcdefghijklmno")
        #expect(c.bytes[15] == 0)
        #expect(c.isTerminated)
        let full = [UInt8](repeating: 0x61, count: 16).withUnsafeBytes { Community(loadingFrom: $0, at: 0) }
        #expect(!full.isTerminated)
    }

    @Test func macClassesFollowTheSpec() {
        #expect(MACAddress(parsing: "01:00:5e:7f:ff:ff")!.isIPv4Multicast)
        #expect(!MACAddress(parsing: "01:00:5e:80:00:00")!.isIPv4Multicast)
        #expect(MACAddress(parsing: "01:00:5e:80:00:00")!.isSupernodeMulticast)
        #expect(MACAddress(parsing: "33:33:00:00:00:01")!.isIPv6Multicast)
        #expect(!MACAddress.broadcast.isFilteredMulticast)
        #expect(MACAddress.broadcast.isSupernodeMulticast)
        #expect(!MACAddress(parsing: "02:00:00:00:fa:01")!.isSupernodeMulticast)
        #expect(MACAddress(parsing: "02:00:00:00:fa:0g") == nil)
        #expect(MACAddress(parsing: "02:00:00:00:fa") == nil)
        #expect(MACAddress(parsing: "02:00:00:00:fa:01")!.description == "02:00:00:00:FA:01")
    }
}

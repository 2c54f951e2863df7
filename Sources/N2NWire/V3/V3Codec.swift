/// Encoding and strict decoding of n2n v3 datagrams (v3 spec 1). Works on caller buffers; the
/// only allocation is REGISTER_SUPER_ACK's supernode list (control plane, at most 44 entries).
public enum V3Codec {
    /// Decodes the common header: length, version 3 and the NUL in byte 23 (spec 1.2.3, 1.5).
    @inlinable
    public static func decodeHeader(_ datagram: UnsafeRawBufferPointer) throws(WireError) -> V3CommonHeader {
        guard datagram.count >= V3CommonHeader.size else {
            throw .truncated(.commonHeader, needed: V3CommonHeader.size, available: datagram.count)
        }
        guard datagram[0] == V3CommonHeader.version else { throw .badVersion(datagram[0]) }
        guard datagram[23] == 0 else { throw .communityNotTerminated }
        let word = UInt16(datagram[2]) << 8 | UInt16(datagram[3])
        return V3CommonHeader(ttl: datagram[1], code: V3PacketCode(rawValue: UInt8(word & 0x1F)),
                              flags: PacketFlags(rawValue: word), community: V3Community(loadingFrom: datagram, at: 4))
    }

    /// Decodes a whole datagram with the minimum lengths and bounds of spec 1.5: a token over 48
    /// bytes or more than 44 supernode entries is refused, not copied. Trailing bytes after a
    /// control message are ignored (they may be a §5.6 trailer); for PACKET they are the payload.
    public static func decode(_ datagram: UnsafeRawBufferPointer) throws(WireError) -> V3DecodedPacket {
        let header = try decodeHeader(datagram)
        var r = WireReader(datagram, offset: V3CommonHeader.size)
        let hasSock = header.flags.contains(.socket)
        let message: V3Message
        switch header.code {
        case .register:
            let cookie = try r.u32(.cookie)
            let src = try r.mac(.srcMac)
            let dst = try r.mac(.dstMac)
            let sock = hasSock ? try r.sock() : nil
            var m = V3Register(cookie: cookie, srcMac: src, dstMac: dst, sock: sock, deviceAddress: try r.deviceAddress())
            m.deviceDescription = try r.fixedBytes(V3FieldWidth.description, .deviceDescription)
            message = .register(m)
        case .registerAck:
            let cookie = try r.u32(.cookie)
            let dst = try r.mac(.dstMac)
            let src = try r.mac(.srcMac)
            let sock = hasSock ? try r.sock() : nil
            message = .registerAck(V3RegisterAck(cookie: cookie, dstMac: dst, srcMac: src, sock: sock))
        case .packet:
            let src = try r.mac(.srcMac)
            let dst = try r.mac(.dstMac)
            let sock = hasSock ? try r.sock() : nil
            let compression = try r.u8(.compression)
            let transform = try r.u8(.transform)
            message = .packet(V3PacketHeader(srcMac: src, dstMac: dst, sock: sock, compression: compression, transform: transform))
        case .registerSuper:
            let cookie = try r.u32(.cookie)
            let mac = try r.mac(.edgeMac)
            let sock = hasSock ? try r.sock() : nil
            let address = try r.deviceAddress()
            let description = try r.fixedBytes(V3FieldWidth.description, .deviceDescription)
            let auth = try r.auth()
            var m = V3RegisterSuper(cookie: cookie, edgeMac: mac, sock: sock, deviceAddress: address,
                                    auth: auth, keyTime: try r.u32(.keyTime))
            m.deviceDescription = description
            message = .registerSuper(m)
        case .unregisterSuper:
            let auth = try r.auth()
            message = .unregisterSuper(V3UnregisterSuper(auth: auth, srcMac: try r.mac(.srcMac)))
        case .registerSuperAck:
            let cookie = try r.u32(.cookie)
            let mac = try r.mac(.srcMac)
            let address = try r.deviceAddress()
            let lifetime = try r.u16(.lifetime)
            let sock = try r.sock()
            let auth = try r.auth()
            let count = Int(try r.u8(.backupCount))
            guard count <= V3RegisterSuperAck.maxSupernodes else {
                throw .bufferTooSmall(needed: count * V3SupernodeEntry.size,
                                      available: V3RegisterSuperAck.maxSupernodes * V3SupernodeEntry.size)
            }
            try r.need(count * V3SupernodeEntry.size, .supernodeEntry)
            var entries: [V3SupernodeEntry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count { entries.append(try r.supernodeEntry()) }
            message = .registerSuperAck(V3RegisterSuperAck(
                cookie: cookie, srcMac: mac, deviceAddress: address, lifetime: lifetime, sock: sock, auth: auth,
                supernodes: entries, keyTime: try r.u32(.keyTime)))
        case .registerSuperNak:
            let cookie = try r.u32(.cookie)
            let mac = try r.mac(.srcMac)
            message = .registerSuperNak(V3RegisterSuperNak(cookie: cookie, srcMac: mac, auth: try r.auth()))
        case .peerInfo:
            let aflags = try r.u16(.aflags)
            let src = try r.mac(.srcMac)
            let mac = try r.mac(.mac)
            let sock = try r.sock()
            let preferred = hasSock ? try r.sock(.preferredSock) : nil
            let load = try r.u32LittleEndian(.load)
            let uptime = try r.u32(.uptime)
            var m = V3PeerInfo(aflags: aflags, srcMac: src, mac: mac, sock: sock, preferredSock: preferred,
                               load: load, uptime: uptime)
            m.version = try r.fixedBytes(V3FieldWidth.version, .version)
            message = .peerInfo(m)
        case .queryPeer:
            let src = try r.mac(.srcMac)
            let target = try r.mac(.targetMac)
            message = .queryPeer(V3QueryPeer(srcMac: src, targetMac: target, aflags: try r.u16(.aflags)))
        case .reRegisterSuper:
            message = .reRegisterSuper
        default:
            message = .ignored(header.code)
        }
        return V3DecodedPacket(header: header, message: message, bodyEnd: r.offset)
    }

    /// Bytes `encode` writes for this message (for PACKET: the header up to the transform byte).
    public static func encodedLength(of message: V3Message) -> Int {
        let h = V3CommonHeader.size
        switch message {
        case .register(let m): return h + 16 + (m.sock?.encodedLength ?? 0) + 5 + V3FieldWidth.description
        case .registerAck(let m): return h + 16 + (m.sock?.encodedLength ?? 0)
        case .packet(let m): return m.headerLength
        case .registerSuper(let m):
            return h + 10 + (m.sock?.encodedLength ?? 0) + 5 + V3FieldWidth.description + m.auth.encodedLength + 4
        case .unregisterSuper(let m): return h + m.auth.encodedLength + 6
        case .registerSuperAck(let m):
            return h + 10 + 5 + 2 + m.sock.encodedLength + m.auth.encodedLength + 1
                + V3SupernodeEntry.size * m.supernodes.count + 4
        case .registerSuperNak(let m): return h + 10 + m.auth.encodedLength
        case .peerInfo(let m):
            return h + 14 + m.sock.encodedLength + (m.preferredSock?.encodedLength ?? 0) + 8 + V3FieldWidth.version
        case .queryPeer: return h + 14
        case .reRegisterSuper, .ignored: return h
        }
    }

    /// Encodes `header` and `message` at the start of `buffer`; returns the bytes written. The
    /// SOCKET flag follows the optional sock of REGISTER, REGISTER_ACK, PACKET, REGISTER_SUPER and
    /// the preferred sock of PEER_INFO; for the other messages the caller's flags are written as
    /// given (supernodes flag ACK and NAK SOCKET|FROM_SUPERNODE, spec 1.2.1). The header's
    /// community is written as is (its byte 19 should be 0). For PACKET the payload goes after the
    /// returned length.
    public static func encode(_ header: V3CommonHeader, _ message: V3Message,
                              into buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        if case .registerSuperAck(let m) = message, m.supernodes.count > V3RegisterSuperAck.maxSupernodes {
            throw .bufferTooSmall(needed: m.supernodes.count * V3SupernodeEntry.size,
                                  available: V3RegisterSuperAck.maxSupernodes * V3SupernodeEntry.size)
        }
        var w = WireWriter(buffer)
        try w.ensure(encodedLength(of: message))
        var flags = header.flags
        switch message {
        case .register(let m): flags.formSockFlag(m.sock != nil)
        case .registerAck(let m): flags.formSockFlag(m.sock != nil)
        case .packet(let m): flags.formSockFlag(m.sock != nil)
        case .registerSuper(let m): flags.formSockFlag(m.sock != nil)
        case .peerInfo(let m): flags.formSockFlag(m.preferredSock != nil)
        default: break
        }
        w.u8(V3CommonHeader.version)
        w.u8(header.ttl)
        w.u16(flags.rawValue | UInt16(message.code.rawValue))
        header.community.store(to: buffer, at: 4)
        w.offset = V3CommonHeader.size
        switch message {
        case .register(let m):
            w.u32(m.cookie)
            w.mac(m.srcMac)
            w.mac(m.dstMac)
            if let s = m.sock { w.sock(s) }
            w.deviceAddress(m.deviceAddress)
            w.fixedBytes(m.deviceDescription, V3FieldWidth.description)
        case .registerAck(let m):
            w.u32(m.cookie)
            w.mac(m.dstMac)
            w.mac(m.srcMac)
            if let s = m.sock { w.sock(s) }
        case .packet(let m):
            w.mac(m.srcMac)
            w.mac(m.dstMac)
            if let s = m.sock { w.sock(s) }
            w.u8(m.compression)
            w.u8(m.transform)
        case .registerSuper(let m):
            w.u32(m.cookie)
            w.mac(m.edgeMac)
            if let s = m.sock { w.sock(s) }
            w.deviceAddress(m.deviceAddress)
            w.fixedBytes(m.deviceDescription, V3FieldWidth.description)
            w.auth(m.auth)
            w.u32(m.keyTime)
        case .unregisterSuper(let m):
            w.auth(m.auth)
            w.mac(m.srcMac)
        case .registerSuperAck(let m):
            w.u32(m.cookie)
            w.mac(m.srcMac)
            w.deviceAddress(m.deviceAddress)
            w.u16(m.lifetime)
            w.sock(m.sock)
            w.auth(m.auth)
            w.u8(UInt8(m.supernodes.count))
            for e in m.supernodes { w.supernodeEntry(e) }
            w.u32(m.keyTime)
        case .registerSuperNak(let m):
            w.u32(m.cookie)
            w.mac(m.srcMac)
            w.auth(m.auth)
        case .peerInfo(let m):
            w.u16(m.aflags)
            w.mac(m.srcMac)
            w.mac(m.mac)
            w.sock(m.sock)
            if let s = m.preferredSock { w.sock(s) }
            w.u32LittleEndian(m.load)
            w.u32(m.uptime)
            w.fixedBytes(m.version, V3FieldWidth.version)
        case .queryPeer(let m):
            w.mac(m.srcMac)
            w.mac(m.targetMac)
            w.u16(m.aflags)
        case .reRegisterSuper, .ignored:
            break
        }
        return w.offset
    }

    /// Encodes into a new array (tests, control-plane convenience; not for the data path).
    public static func encode(_ header: V3CommonHeader, _ message: V3Message) throws(WireError) -> [UInt8] {
        try encodedArray(capacity: encodedLength(of: message)) { buf throws(WireError) in try encode(header, message, into: buf) }
    }

    /// Decodes from an array (tests, control-plane convenience).
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> V3DecodedPacket {
        try decodingArray(bytes) { buf throws(WireError) in try decode(buf) }
    }
}

extension WireReader {
    mutating func u32LittleEndian(_ field: WireField) throws(WireError) -> UInt32 {
        try need(4, field)
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func fixedBytes(_ count: Int, _ field: WireField) throws(WireError) -> WireBytes {
        try need(count, field)
        defer { offset += count }
        return WireBytes(loadingFrom: bytes, at: offset, count: count)
    }

    mutating func deviceAddress() throws(WireError) -> V3DeviceAddress {
        try need(5, .deviceAddress)
        let address = try u32(.deviceAddress)
        return V3DeviceAddress(address: address, prefixLength: try u8(.deviceAddress))
    }

    /// An auth block; a token size over 48 is refused before anything is copied (spec 13.1 item 1).
    mutating func auth() throws(WireError) -> V3Auth {
        let scheme = try u16(.authScheme)
        let size = Int(try u16(.authTokenLength))
        guard size <= WireBytes.capacity else { throw .authTokenTooLong(size) }
        return V3Auth(scheme: scheme, token: try fixedBytes(size, .authToken))
    }

    /// A raw 26-byte entry: family (2 = IPv4, anything else read as IPv6), padding, port
    /// little-endian, 16 address bytes, MAC.
    mutating func supernodeEntry() throws(WireError) -> V3SupernodeEntry {
        try need(V3SupernodeEntry.size, .supernodeEntry)
        let base = offset
        let port = UInt16(bytes[base + 2]) | UInt16(bytes[base + 3]) << 8
        let address: IPAddress =
            bytes[base] == V3SupernodeEntry.familyIPv4
            ? .v4(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: base + 4, as: UInt32.self)))
            : .v6(UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: base + 4, as: UInt64.self)),
                  UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: base + 12, as: UInt64.self)))
        let mac = MACAddress(loadingFrom: bytes, at: base + 20)
        offset += V3SupernodeEntry.size
        return V3SupernodeEntry(sock: PeerSocket(address: address, port: port), mac: mac)
    }
}

extension WireWriter {
    mutating func u32LittleEndian(_ v: UInt32) {
        bytes.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self)
        offset += 4
    }

    mutating func fixedBytes(_ value: WireBytes, _ width: Int) {
        value.store(to: bytes, at: offset, width: width)
        offset += width
    }

    mutating func deviceAddress(_ a: V3DeviceAddress) {
        u32(a.address)
        u8(a.prefixLength)
    }

    mutating func auth(_ a: V3Auth) {
        u16(a.scheme)
        u16(UInt16(a.token.count))
        fixedBytes(a.token, a.token.count)
    }

    /// `02 00 <port LE> <IPv4> 00×12 <MAC>` (or family 10 and 16 address bytes), as a
    /// little-endian Linux sender lays it out.
    mutating func supernodeEntry(_ e: V3SupernodeEntry) {
        let base = offset
        (bytes.baseAddress! + base).initializeMemory(as: UInt8.self, repeating: 0, count: V3SupernodeEntry.size)
        bytes.storeBytes(of: e.sock.port.littleEndian, toByteOffset: base + 2, as: UInt16.self)
        switch e.sock.address {
        case .v4(let a):
            bytes[base] = V3SupernodeEntry.familyIPv4
            bytes.storeBytes(of: a.bigEndian, toByteOffset: base + 4, as: UInt32.self)
        case .v6(let hi, let lo):
            bytes[base] = V3SupernodeEntry.familyIPv6
            bytes.storeBytes(of: hi.bigEndian, toByteOffset: base + 4, as: UInt64.self)
            bytes.storeBytes(of: lo.bigEndian, toByteOffset: base + 12, as: UInt64.self)
        }
        e.mac.store(to: bytes, at: base + 20)
        offset += V3SupernodeEntry.size
    }
}

/// Encoding and strict decoding of n2n v2 datagrams (spec 1). Works in place on caller buffers;
/// allocates nothing.
public enum WireCodec {
    /// Decodes the common header only (spec 1.2): length and version are checked, nothing else.
    @inlinable
    public static func decodeHeader(_ datagram: UnsafeRawBufferPointer) throws(WireError) -> CommonHeader {
        guard datagram.count >= CommonHeader.size else {
            throw .truncated(.commonHeader, needed: CommonHeader.size, available: datagram.count)
        }
        guard datagram[0] == CommonHeader.version else { throw .badVersion(datagram[0]) }
        let word = UInt16(datagram[2]) << 8 | UInt16(datagram[3])
        return CommonHeader(
            ttl: datagram[1],
            code: PacketCode(rawValue: UInt8(word & 0x1F)),
            flags: PacketFlags(rawValue: word),
            community: Community(loadingFrom: datagram, at: 4))
    }

    /// Decodes a whole datagram with the minimum lengths of spec 1.5. Trailing bytes after a
    /// control message are ignored, as every 2.x receiver does; for PACKET they are the payload.
    @inlinable
    public static func decode(_ datagram: UnsafeRawBufferPointer) throws(WireError) -> DecodedPacket {
        let header = try decodeHeader(datagram)
        var r = WireReader(datagram, offset: CommonHeader.size)
        let hasSock = header.flags.contains(.socket)
        let message: Message
        switch header.code {
        case .register:
            let cookie = try r.u32(.cookie)
            let src = try r.mac(.srcMac)
            let dst = try r.mac(.dstMac)
            let sock = hasSock ? try r.sock() : nil
            message = .register(Register(cookie: cookie, srcMac: src, dstMac: dst, sock: sock))
        case .registerAck:
            let cookie = try r.u32(.cookie)
            let dst = try r.mac(.dstMac)
            let src = try r.mac(.srcMac)
            let sock = hasSock ? try r.sock() : nil
            message = .registerAck(RegisterAck(cookie: cookie, dstMac: dst, srcMac: src, sock: sock))
        case .packet:
            let src = try r.mac(.srcMac)
            let dst = try r.mac(.dstMac)
            let sock = hasSock ? try r.sock() : nil
            let transform = TransformField(rawValue: try r.u16(.transform))
            message = .packet(PacketHeader(srcMac: src, dstMac: dst, sock: sock, transform: transform))
        case .registerSuper:
            let cookie = try r.u32(.cookie)
            let mac = try r.mac(.edgeMac)
            let scheme = try r.u16(.authScheme)
            let tokenLength = try r.u16(.authTokenLength)
            guard Int(tokenLength) <= RegisterSuper.maxAuthTokenLength else {
                throw .authTokenTooLong(Int(tokenLength))
            }
            try r.skip(Int(tokenLength), .authToken)
            message = .registerSuper(RegisterSuper(cookie: cookie, edgeMac: mac, authScheme: scheme, authTokenLength: tokenLength))
        case .registerSuperAck:
            let cookie = try r.u32(.cookie)
            let mac = try r.mac(.edgeMac)
            let lifetime = try r.u16(.lifetime)
            let sock = try r.sock()
            let count = try r.u8(.backupCount)
            let backup = count > 0 ? try r.sock(.backupSock) : nil
            message = .registerSuperAck(RegisterSuperAck(
                cookie: cookie, edgeMac: mac, lifetime: lifetime, sock: sock, backupCount: count, backupSupernode: backup))
        case .registerSuperNak:
            message = .registerSuperNak(RegisterSuperNak(cookie: try r.u32(.cookie)))
        case .peerInfo:
            let aflags = try r.u16(.aflags)
            let mac = try r.mac(.mac)
            let sock = try r.sock()
            message = .peerInfo(PeerInfo(aflags: aflags, mac: mac, sock: sock))
        case .queryPeer:
            let src = try r.mac(.srcMac)
            let target = try r.mac(.targetMac)
            message = .queryPeer(QueryPeer(srcMac: src, targetMac: target))
        default:
            message = .ignored(header.code)
        }
        return DecodedPacket(header: header, message: message, bodyEnd: r.offset)
    }

    /// Bytes `encode` will write for this message (for PACKET: the header up to the transform field).
    public static func encodedLength(of message: Message) -> Int {
        let h = CommonHeader.size
        switch message {
        case .register(let m): return h + 16 + (m.sock?.encodedLength ?? 0)
        case .registerAck(let m): return h + 16 + (m.sock?.encodedLength ?? 0)
        case .packet(let m): return m.headerLength
        case .registerSuper(let m): return h + 14 + Int(m.authTokenLength)
        case .registerSuperAck(let m):
            return h + 12 + m.sock.encodedLength + 1 + (m.backupCount > 0 ? (m.backupSupernode?.encodedLength ?? 8) : 0)
        case .registerSuperNak: return h + 4
        case .peerInfo(let m): return h + 8 + m.sock.encodedLength
        case .queryPeer: return h + 12
        case .ignored: return h
        }
    }

    /// Encodes `header` and `message` at the start of `buffer`; returns the bytes written. The SOCKET
    /// flag is set or cleared to match the presence of an optional sock (REGISTER, REGISTER_ACK,
    /// PACKET); for the other types the caller's flags are written as given. For PACKET, the payload
    /// goes after the returned length.
    public static func encode(_ header: CommonHeader, _ message: Message, into buffer: UnsafeMutableRawBufferPointer) throws(WireError) -> Int {
        let total = encodedLength(of: message)
        var w = WireWriter(buffer)
        try w.ensure(total)
        var flags = header.flags
        switch message {
        case .register(let m): flags.formSockFlag(m.sock != nil)
        case .registerAck(let m): flags.formSockFlag(m.sock != nil)
        case .packet(let m): flags.formSockFlag(m.sock != nil)
        default: break
        }
        w.u8(CommonHeader.version)
        w.u8(header.ttl)
        w.u16(flags.rawValue | UInt16(message.code.rawValue))
        header.community.store(to: buffer, at: 4)
        w.offset = CommonHeader.size
        switch message {
        case .register(let m):
            w.u32(m.cookie)
            w.mac(m.srcMac)
            w.mac(m.dstMac)
            if let s = m.sock { w.sock(s) }
        case .registerAck(let m):
            w.u32(m.cookie)
            w.mac(m.dstMac)
            w.mac(m.srcMac)
            if let s = m.sock { w.sock(s) }
        case .packet(let m):
            w.mac(m.srcMac)
            w.mac(m.dstMac)
            if let s = m.sock { w.sock(s) }
            w.u16(m.transform.rawValue)
        case .registerSuper(let m):
            w.u32(m.cookie)
            w.mac(m.edgeMac)
            w.u16(m.authScheme)
            w.u16(m.authTokenLength)
            for _ in 0..<Int(m.authTokenLength) { w.u8(0) }
        case .registerSuperAck(let m):
            w.u32(m.cookie)
            w.mac(m.edgeMac)
            w.u16(m.lifetime)
            w.sock(m.sock)
            w.u8(m.backupCount)
            if m.backupCount > 0 { w.sock(m.backupSupernode ?? PeerSocket(ipv4: 0, port: 0)) }
        case .registerSuperNak(let m):
            w.u32(m.cookie)
        case .peerInfo(let m):
            w.u16(m.aflags)
            w.mac(m.mac)
            w.sock(m.sock)
        case .queryPeer(let m):
            w.mac(m.srcMac)
            w.mac(m.targetMac)
        case .ignored:
            break
        }
        return w.offset
    }

    /// Encodes into a new array (tests, control-plane convenience; not for the data path).
    public static func encode(_ header: CommonHeader, _ message: Message) throws(WireError) -> [UInt8] {
        try encodedArray(capacity: encodedLength(of: message)) { buf throws(WireError) in try encode(header, message, into: buf) }
    }

    /// Decodes from an array (tests, control-plane convenience).
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> DecodedPacket {
        try decodingArray(bytes) { buf throws(WireError) in try decode(buf) }
    }
}

/// Runs an encoder over a new array of `capacity` bytes and keeps what it wrote (both dialects'
/// array conveniences; `withUnsafeMutableBytes` would erase the typed error).
func encodedArray(capacity: Int, _ body: (UnsafeMutableRawBufferPointer) throws(WireError) -> Int) throws(WireError) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: capacity)
    let n = try out.withUnsafeMutableBytes { buf in Result { () throws(WireError) -> Int in try body(buf) } }.get()
    return Array(out[..<n])
}

/// Runs a decoder over an array's bytes, keeping the typed error.
func decodingArray<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(WireError) -> R) throws(WireError) -> R {
    try bytes.withUnsafeBytes { buf in Result { () throws(WireError) -> R in try body(buf) } }.get()
}

extension PacketFlags {
    @usableFromInline
    mutating func formSockFlag(_ present: Bool) {
        if present { insert(.socket) } else { remove(.socket) }
    }
}

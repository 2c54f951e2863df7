import Logging
import N2NWire
import LinuxSystem
import PacketCore

/// `SupernodeEngine.handleDatagram` on a sequence of datagrams from four sockets, so that state
/// (registrations, header modes, replay guards, purges) builds up within one input.
///
/// Input: byte 0 flags (bit 0: whitelist "bench" and "other-net" with header keys; bit 1: tiny
/// tables, 2 communities and 3 edges; bit 2: render the management report at the end), bytes 1...4
/// the start time in Unix seconds (big-endian), then records `control ‖ length(u16 BE) ‖ datagram`
/// where control bits 0...1 pick the source socket and bits 2...7 advance the clock by that many
/// seconds. A short last record takes what is left.
final class SupernodeEngineHarness: FuzzTarget {
    /// The three edges of the 2.8 captures (10.250.0.1...3, ports 50001...50003) and one IPv6 peer.
    static let sockets = [
        PeerSocket(ipv4: 0x0AFA_0001, port: 50001), PeerSocket(ipv4: 0x0AFA_0002, port: 50002),
        PeerSocket(ipv4: 0x0AFA_0003, port: 50003), PeerSocket(address: .v6(0x2001_0db8_0000_0000, 0x10), port: 50004),
    ]
    static let communities = [Community("bench"), Community("other-net")]
    static let start: UInt32 = 0x6000_0000

    let sink = CheckingSink(ciphers: communities.map { HeaderCipher(community: $0) })
    let random = CounterRandom()
    let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard size >= 5, let data else { return }
        let flags = data[0]
        let seconds = Int64(data[1]) << 24 | Int64(data[2]) << 16 | Int64(data[3]) << 8 | Int64(data[4])
        var options = flags & 1 != 0 ? SupernodeEngineOptions(whitelist: Self.communities) : SupernodeEngineOptions()
        if flags & 2 != 0 {
            options.maxCommunities = 2
            options.maxEdges = 3
        }
        let clock = ManualClock(wall: WallTime(seconds: seconds))
        let engine = SupernodeEngine(options: options, output: sink,
                                     headerCipherFactory: flags & 1 != 0 ? CommunityHeaderCipher.factory(random: random) : nil,
                                     random: random, logger: logger, clock: clock)
        sink.limit = options.maxDatagramSize + 64
        var i = 5
        while i < size {
            let control = data[i]
            let wanted = i + 2 < size ? Int(data[i + 1]) << 8 | Int(data[i + 2]) : 0
            i = min(i + 3, size)
            let n = min(wanted, size - i)
            clock.advance(seconds: Double(control >> 2))
            withExactCopy(data + i, n) { engine.handleDatagram($0, from: Self.sockets[Int(control & 3)]) }
            i += n
            engine.tick()
        }
        if engine.edgeCount > options.maxEdges { fuzzFailure("\(engine.edgeCount) edges, limit \(options.maxEdges)") }
        if engine.communities.count > max(options.maxCommunities, Self.communities.count) {
            fuzzFailure("\(engine.communities.count) communities, limit \(options.maxCommunities)")
        }
        if flags & 4 != 0 { _ = engine.managementReport() }
    }

    /// Sequences of valid traffic, plain and header-encrypted: two edges register, then unicast and
    /// broadcast PACKETs, REGISTER, QUERY_PEER, a re-registration after a pause and a stranger.
    func writeSeeds(_ seeds: inout SeedWriter) {
        let a = MACAddress(0x02, 0, 0, 0, 0xfa, 0x01), b = MACAddress(0x02, 0, 0, 0, 0xfa, 0x02)
        let payload = [UInt8](repeating: 0x5a, count: 80)
        for encrypted in [false, true] {
            let cipher = encrypted ? HeaderCipher(community: Self.communities[0]) : nil
            var stamp = HeaderStamp.make(unixSeconds: UInt64(Self.start), microseconds: 0, random12: 0)
            var input: [UInt8] = [encrypted ? 1 : 0]
            withUnsafeBytes(of: Self.start.bigEndian) { input += $0 }
            func add(_ message: Message, from source: UInt8, after seconds: UInt8 = 0, payload extra: [UInt8] = [],
                     community: Community = SupernodeEngineHarness.communities[0]) {
                guard var bytes = try? WireCodec.encode(CommonHeader(code: message.code, community: community), message) else {
                    fuzzFailure("encoding a seed \(message.code)")
                }
                let headerLength = bytes.count
                bytes += extra
                stamp &+= UInt64(seconds) << 32 | 0x1000
                if let cipher { headerEncrypt(&bytes, cipher, headerLength: headerLength, stamp: stamp) }
                input += [seconds << 2 | source, UInt8(bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)] + bytes
            }
            add(.registerSuper(RegisterSuper(cookie: 1, edgeMac: a)), from: 0)
            add(.registerSuper(RegisterSuper(cookie: 2, edgeMac: b)), from: 1)
            add(.packet(PacketHeader(srcMac: a, dstMac: b, transform: TransformField(transform: .null))), from: 0, payload: payload)
            add(.packet(PacketHeader(srcMac: b, dstMac: .broadcast, transform: TransformField(transform: .aesCBC))), from: 1, payload: payload)
            add(.register(Register(cookie: 3, srcMac: a, dstMac: b)), from: 0)
            add(.queryPeer(QueryPeer(srcMac: b, targetMac: a)), from: 1)
            add(.registerSuper(RegisterSuper(cookie: 4, edgeMac: a)), from: 0, after: 20)
            add(.packet(PacketHeader(srcMac: a, dstMac: b, sock: Self.sockets[3], transform: TransformField(transform: .speckCTR))),
                from: 0, payload: payload)
            add(.registerSuper(RegisterSuper(cookie: 5, edgeMac: MACAddress(0x02, 0, 0, 0, 0xfa, 0x09))), from: 3,
                community: encrypted ? Self.communities[0] : Community("stranger"))
            add(.ignored(.ping), from: 2, after: 63)
            seeds.write(input)
            input[0] |= 6
            seeds.write(input)
        }
    }
}

/// Everything the engine sends must be a datagram a peer can read: plain and decodable, or
/// header-encrypted for one of the keyed communities and decodable after decryption.
final class CheckingSink: CopyingDatagramSink {
    let ciphers: [HeaderCipher]
    var limit = 0

    init(ciphers: [HeaderCipher]) {
        self.ciphers = ciphers
    }

    override func deliver(_ bytes: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) {
        if bytes.count < CommonHeader.size || bytes.count > limit {
            fuzzFailure("sent \(bytes.count) bytes to \(destination)")
        }
        withExactCopy(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count) { copy in
            if !headerLooksPlain(UnsafeRawBufferPointer(copy)) {
                guard let cipher = ciphers.first(where: { $0.matches(UnsafeRawBufferPointer(copy)) }) else {
                    fuzzFailure("sent a datagram that is neither plain nor sealed for a keyed community")
                }
                do { _ = try cipher.decrypt(copy) } catch { fuzzFailure("sent a datagram that does not decrypt: \(error)") }
            }
            do {
                let decoded = try WireCodec.decode(UnsafeRawBufferPointer(copy))
                checkCodecRoundTrip(decoded)
                // Issue 17 item 3: a sock only ever goes to a receiver of its own IP family.
                if let sock = Self.sock(decoded.message), !sock.sameFamily(as: destination) {
                    fuzzFailure("sent \(sock) to \(destination)")
                }
            } catch {
                fuzzFailure("sent a datagram that does not decode: \(error)")
            }
        }
    }

    static func sock(_ message: Message) -> PeerSocket? {
        switch message {
        case .packet(let m): return m.sock
        case .register(let m): return m.sock
        case .registerAck(let m): return m.sock
        case .registerSuperAck(let m): return m.sock
        case .peerInfo(let m): return m.sock
        default: return nil
        }
    }
}

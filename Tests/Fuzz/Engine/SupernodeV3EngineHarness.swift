import Logging
import N2NWire
import LinuxSystem
import PacketCore

/// `SupernodeEngine.handleDatagram` on sessions that mix 3.x and 2.x datagrams from four sockets:
/// registrations with simple-ID tokens, auto-IP, PING, relays, header modes and dialect claims
/// build up within one input (issue 15).
///
/// Input: byte 0 flags (bit 0: list "mynet" and "old" with header keys; bit 1: tiny tables,
/// 2 communities and 3 edges; bit 2: render the management report at the end; bit 3: `-M`; bit 4:
/// a /30 auto-IP pool of two subnets), bytes 1...4 the start time, then records as in
/// `SupernodeEngineHarness`.
final class SupernodeV3EngineHarness: FuzzTarget {
    static let field = V3Community("mynet")
    static let listed = [Community("mynet"), Community("old")]
    static let start: UInt32 = 0x6000_0000

    let sink = DialectCheckingSink(v2: listed.map { HeaderCipher(community: $0) },
                                   v3: listed.map { V3HeaderCipher(community: V3Community($0.name)) })
    let random = CounterRandom()
    let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard size >= 5, let data else { return }
        let flags = data[0]
        let seconds = Int64(data[1]) << 24 | Int64(data[2]) << 16 | Int64(data[3]) << 8 | Int64(data[4])
        var options = flags & 1 != 0 ? SupernodeEngineOptions(whitelist: Self.listed) : SupernodeEngineOptions()
        if flags & 2 != 0 {
            options.maxCommunities = 2
            options.maxEdges = 3
        }
        options.v3.spoofingProtection = flags & 8 == 0
        if flags & 16 != 0 { options.v3.autoIPPool = V3AddressPool(first: 0x0A00_0000, last: 0x0A00_0004, prefixLength: 30) }
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
            withExactCopy(data + i, n) { engine.handleDatagram($0, from: SupernodeEngineHarness.sockets[Int(control & 3)]) }
            i += n
            engine.tick()
        }
        if engine.edgeCount > options.maxEdges { fuzzFailure("\(engine.edgeCount) edges, limit \(options.maxEdges)") }
        if engine.communities.count > max(options.maxCommunities, Self.listed.count) {
            fuzzFailure("\(engine.communities.count) communities, limit \(options.maxCommunities)")
        }
        for c in engine.communities.values {
            if c.v3.edges.count > c.edges.count { fuzzFailure("\(c.name): more 3.x entries than edges") }
            if c.dialect == .v2, !c.v3.edges.isEmpty { fuzzFailure("\(c.name): a 2.x community holds 3.x edges") }
        }
        if flags & 4 != 0 { _ = engine.managementReport() }
    }

    /// A 3.x session (two edges register, relay, query, ping, unregister, a spoofed re-registration)
    /// with a 2.x edge in "old" and a 3.x edge naming "old"; plain and header-encrypted.
    func writeSeeds(_ seeds: inout SeedWriter) {
        let a = MACAddress(0x02, 0, 0, 0, 0xfa, 0x01), b = MACAddress(0x02, 0, 0, 0, 0xfa, 0x02)
        let token = V3Auth(scheme: V3Auth.schemeSimpleID, token: WireBytes([UInt8](repeating: 7, count: 16)))
        let other = V3Auth(scheme: V3Auth.schemeSimpleID, token: WireBytes([UInt8](repeating: 9, count: 16)))
        let payload = [UInt8](repeating: 0x5a, count: 80)
        for encrypted in [false, true] {
            let cipher = encrypted ? V3HeaderCipher(community: Self.field) : nil
            var stamp = V3Stamp.now(unixSeconds: UInt64(Self.start), microseconds: 0)
            var input: [UInt8] = [encrypted ? 1 : 0]
            withUnsafeBytes(of: Self.start.bigEndian) { input += $0 }
            func record(_ bytes: [UInt8], from source: UInt8, after seconds: UInt8) {
                input += [seconds << 2 | source, UInt8(bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)] + bytes
            }
            func add(_ message: V3Message, from source: UInt8, after seconds: UInt8 = 0, payload extra: [UInt8] = [],
                     community: V3Community = SupernodeV3EngineHarness.field) {
                guard var bytes = try? V3Codec.encode(V3CommonHeader(code: message.code, community: community), message) else {
                    fuzzFailure("encoding a seed \(message.code)")
                }
                let headerLength = bytes.count
                bytes += extra
                stamp &+= UInt64(seconds) << 32 | 0x1000
                if let cipher, community == Self.field {
                    bytes.withUnsafeMutableBytes { try? cipher.encrypt($0, headerLength: headerLength, stamp: stamp, random: CounterRandom()) }
                }
                record(bytes, from: source, after: seconds)
            }
            add(.registerSuper(V3RegisterSuper(cookie: 1, edgeMac: a, deviceDescription: "hostA", auth: token)), from: 0)
            add(.registerSuper(V3RegisterSuper(cookie: 2, edgeMac: b, sock: SupernodeEngineHarness.sockets[3],
                                               deviceAddress: V3DeviceAddress(address: 0x0A09_0002, prefixLength: 24),
                                               auth: token)), from: 1)
            add(.packet(V3PacketHeader(srcMac: a, dstMac: b, transform: 3)), from: 0, payload: payload)
            add(.packet(V3PacketHeader(srcMac: b, dstMac: .broadcast, compression: 2, transform: 5)), from: 1, payload: payload)
            add(.register(V3Register(srcMac: a, dstMac: b, deviceDescription: "hostA")), from: 0)
            add(.queryPeer(V3QueryPeer(srcMac: b, targetMac: a)), from: 1)
            add(.queryPeer(V3QueryPeer(srcMac: b, targetMac: .zero)), from: 1)
            add(.registerSuper(V3RegisterSuper(cookie: 3, edgeMac: a, auth: other)), from: 2, after: 5)
            add(.unregisterSuper(V3UnregisterSuper(auth: token, srcMac: b)), from: 1)
            if let v2 = try? WireCodec.encode(CommonHeader(code: .registerSuper, community: Community("old")),
                                              .registerSuper(RegisterSuper(cookie: 4, edgeMac: b))) {
                record(v2, from: 3, after: 1)
            }
            add(.registerSuper(V3RegisterSuper(cookie: 5, edgeMac: a, auth: token)), from: 2, community: V3Community("old"))
            add(.reRegisterSuper, from: 0, after: 63)
            seeds.write(input)
            input[0] |= 0x1E
            seeds.write(input)
        }
    }
}

/// Everything the engine sends must be readable in its dialect: plain and decodable, or sealed for
/// one of the listed communities (2.x or 3.x keys) and decodable after decryption.
final class DialectCheckingSink: CopyingDatagramSink {
    let v2: [HeaderCipher]
    let v3: [V3HeaderCipher]
    var limit = 0

    init(v2: [HeaderCipher], v3: [V3HeaderCipher]) {
        self.v2 = v2
        self.v3 = v3
    }

    override func deliver(_ bytes: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) {
        if bytes.count < CommonHeader.size || bytes.count > limit {
            fuzzFailure("sent \(bytes.count) bytes to \(destination)")
        }
        withExactCopy(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count) { copy in
            let raw = UnsafeRawBufferPointer(copy)
            // A sealed header looks plain by chance now and then (v3: about 1 in 10⁸): plain first,
            // then the keys, as a receiver holding them does.
            if v3HeaderLooksPlain(raw), let decoded = try? V3Codec.decode(raw) { return checkV3CodecRoundTrip(decoded) }
            if headerLooksPlain(raw), let decoded = try? WireCodec.decode(raw) { return checkCodecRoundTrip(decoded) }
            let hex = copy.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            if let cipher = v2.first(where: { $0.matches(raw) }) {
                do {
                    _ = try cipher.decrypt(copy)
                    checkCodecRoundTrip(try WireCodec.decode(raw))
                } catch {
                    fuzzFailure("sent a 2.x datagram that does not decrypt and decode: \(error): \(hex)")
                }
            } else if let cipher = v3.first(where: { $0.headerLength(raw) != nil }) {
                do {
                    _ = try cipher.decrypt(copy)
                    checkV3CodecRoundTrip(try V3Codec.decode(raw))
                } catch {
                    fuzzFailure("sent a 3.x datagram that does not decrypt and decode: \(error): \(hex)")
                }
            } else {
                fuzzFailure("sent a datagram that is neither plain nor sealed for a listed community: \(hex)")
            }
        }
    }
}

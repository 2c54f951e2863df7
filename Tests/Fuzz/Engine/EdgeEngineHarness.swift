import Logging
import N2NWire
import LinuxSystem
import PacketCore

/// `EdgeEngine` fed a whole session: datagrams from several sockets (supernodes, peers, a stranger),
/// frames from the TAP, PACKETs the harness seals with the community's key, management requests,
/// and clock steps, so that registration, peer tables, P2P, replay guards, purges and snooping
/// build up within one input. The engine is edge e2 of the 2.8 captures (community "bench", MAC
/// 02:00:00:00:fa:02, key "n2n-test-key", supernode 10.250.0.254:1200).
///
/// Input: byte 0 flags (bit 0 `-H`; bits 1...3 transform: null, Twofish, AES, ChaCha20, Speck, then
/// null with LZO / zstd in the sealer, null; bit 4 `-E`; bit 5 `-S`; bit 6 a second supernode;
/// bit 7 `-L 2`), byte 1 more flags (bit 0 IGMP snooping with tiny tables; bit 1 `-r`; bit 2 the
/// discovery group can be joined; bit 3 `-i 3`; bit 4 management replies rendered at the end),
/// bytes 2...5 the start time in Unix seconds (big-endian), then records
/// `control ‖ length(u16 BE) ‖ body`. Control bits 0...2: 0...4 a datagram from `sockets[n]`, 5 a
/// frame from the TAP, 6 a PACKET sealed by the harness from body[0..<6] (source MAC) carrying
/// body[6...] as the frame, from peer e1 (bit 3 clear) or relayed by the supernode (bit 3 set),
/// 7 a management request. For datagrams, bit 3 writes the cookie the edge last sent into a
/// REGISTER_SUPER_ACK / REGISTER_ACK (the fuzzer cannot guess it) and bit 4 header-encrypts the
/// datagram with a current stamp (with `-H`). Bits 5...7 advance the clock first by one of
/// `steps` seconds. A short last record takes what is left.
final class EdgeEngineHarness: FuzzTarget {
    static let community = Community("bench")
    static let passphrase = Array("n2n-test-key".utf8)
    static let mac = MACAddress(0x02, 0, 0, 0, 0xfa, 0x02)
    static let peerMac = MACAddress(0x02, 0, 0, 0, 0xfa, 0x01)
    static let supernode = PeerSocket(ipv4: 0x0AFA_00FE, port: 1200)
    static let supernode2 = PeerSocket(ipv4: 0x0AFA_00FD, port: 1200)
    /// Supernode 1, supernode 2 (a stranger when only one is configured), edges e1 and e3 of the
    /// captures, and an IPv6 stranger.
    static let sockets = [
        supernode, supernode2, PeerSocket(ipv4: 0x0AFA_0001, port: 50001), PeerSocket(ipv4: 0x0AFA_0003, port: 50003),
        PeerSocket(address: .v6(0x2001_0db8_0000_0000, 0x10), port: 50004),
    ]
    static let steps: [Double] = [0, 0.01, 0.5, 1, 2.5, 6, 21, 61]
    static let transforms: [(TransformID, CompressionID)] = [
        (.null, .none), (.twofish, .none), (.aesCBC, .none), (.chacha20, .none), (.speckCTR, .none),
        (.null, .lzo), (.null, .zstd), (.null, .none),
    ]
    /// Snooping limits small enough for a few dozen reports to reach them.
    static let snoopingLimits = MembershipLimits(maxGroups: 3, maxListenersPerGroup: 2)

    let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
    let random = CounterRandom()
    /// The engine's pipeline and the harness's sealer per transform entry and `-H`.
    var cache: [Int: (FramePipeline, FramePipeline)] = [:]

    func pipelines(_ entry: Int, headerEncryption: Bool) -> (FramePipeline, FramePipeline) {
        let key = entry << 1 | (headerEncryption ? 1 : 0)
        if let cached = cache[key] { return cached }
        let (transformID, compression) = Self.transforms[entry]
        do {
            let made = (FramePipeline(community: Self.community,
                                      transform: try transformID.makeTransform(passphrase: Self.passphrase, random: random),
                                      headerEncryption: headerEncryption, random: random),
                        FramePipeline(community: Self.community,
                                      transform: try transformID.makeTransform(passphrase: Self.passphrase, random: random),
                                      compression: compression, headerEncryption: headerEncryption, random: random))
            cache[key] = made
            return made
        } catch {
            fuzzFailure("cannot build \(transformID): \(error)")
        }
    }
    let cipher = HeaderCipher(community: community)
    let sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFrameLength + FramePipeline.maxOverhead, alignment: 16)

    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard size >= 6, let data else { return }
        let flags = data[0], more = data[1]
        let seconds = Int64(data[2]) << 24 | Int64(data[3]) << 16 | Int64(data[4]) << 8 | Int64(data[5])
        let headerEncryption = flags & 1 != 0

        var config = EdgeEngine.Configuration(community: Self.community, mac: Self.mac,
                                              supernodes: [SupernodeAddress(host: "10.250.0.254", port: 1200)])
        if flags & 0x40 != 0 { config.supernodes.append(SupernodeAddress(host: "10.250.0.253", port: 1200)) }
        config.tapIPv4 = 0xC0A8_FA02
        config.dropMulticast = flags & 0x10 == 0
        config.allowP2P = flags & 0x20 == 0
        config.registerTTL = flags & 0x80 != 0 ? 2 : 0
        config.allowRouting = more & 2 != 0
        if more & 8 != 0 { config.registrationInterval = 3 }
        if more & 1 != 0 { config.multicastSnooping = EdgeMulticastSettings(limits: Self.snoopingLimits) }

        // The random source starts over with every input, so that a crash reproduces from its
        // input alone although the pipelines (key schedules are slow) are kept between inputs.
        let (pipeline, sealer) = pipelines(Int(flags >> 1 & 7), headerEncryption: headerEncryption)
        random.state = CounterRandom().state
        let clock = ManualClock(wall: WallTime(seconds: seconds))
        let sink = EdgeCheckingSink(cipher: headerEncryption ? cipher : nil)
        let host = FuzzEdgeHost(joins: more & 4 != 0)
        let engine = EdgeEngine(configuration: config, pipeline: pipeline, random: random, clock: clock,
                                datagrams: sink, frames: sink, host: host, logger: logger, verbosity: 0)
        engine.start()

        var events = 0
        var i = 6
        while i < size {
            let control = data[i]
            let wanted = i + 2 < size ? Int(data[i + 1]) << 8 | Int(data[i + 2]) : 0
            i = min(i + 3, size)
            let n = min(wanted, size - i)
            clock.advance(seconds: Self.steps[Int(control >> 5)])
            let kind = Int(control & 7)
            let body = UnsafeRawBufferPointer(start: data + i, count: n)
            switch kind {
            case 0...4:
                datagram(body, control: control, from: Self.sockets[kind], engine: engine, sink: sink,
                         stamp: headerEncryption ? EdgeReplayWindow.stamp(clock.wallTime) : nil)
            case 5:
                withExactCopy(data + i, n) { engine.handleFrame(UnsafeRawBufferPointer($0)) }
            case 6:
                sealPacket(body, relayed: control & 8 != 0, sealer: sealer, engine: engine,
                           stamp: EdgeReplayWindow.stamp(clock.wallTime))
            default:
                withExactCopy(data + i, n) { _ = engine.handleManagement(UnsafeRawBufferPointer($0)) }
            }
            i += n
            events += 1
            engine.tick()
            if engine.nextDeadline < clock.monotonicNanoseconds - 1_000_000_000 {
                fuzzFailure("a timer overdue by more than 1 s right after tick()")
            }
        }
        checkTables(engine, events: events, snooping: config.multicastSnooping != nil)
        if more & 0x10 != 0 {
            for request in ["peers", "supernodes", "groups", "statistics", "help"] {
                _ = Array(request.utf8).withUnsafeBytes { engine.handleManagement($0) }
            }
            _ = engine.exitSummary
        }
    }

    /// One datagram from `source`; optionally with the edge's own cookie and header-encrypted.
    private func datagram(_ body: UnsafeRawBufferPointer, control: UInt8, from source: PeerSocket, engine: EdgeEngine,
                          sink: EdgeCheckingSink, stamp: UInt64?) {
        var bytes = [UInt8](body)
        if control & 8 != 0, bytes.count >= 36, bytes[0] == 2 {
            let code = bytes[3] & 0x1F
            var cookie: UInt32?
            if code == PacketCode.registerSuperAck.rawValue {
                cookie = sink.lastSuperCookie
            } else if code == PacketCode.registerAck.rawValue {
                cookie = sink.registerCookies[MACAddress(loadingFrom: UnsafeRawBufferPointer(start: body.baseAddress! + 30, count: 6), at: 0)]
            }
            if let cookie { for k in 0..<4 { bytes[20 + k] = UInt8(truncatingIfNeeded: cookie >> (24 - 8 * k)) } }
        }
        if control & 0x10 != 0, let stamp, bytes.count >= CommonHeader.size {
            // PACKETs keep their payload plain (the transform protects it); control messages are sealed whole.
            let code = bytes[3] & 0x1F
            let headerLength = code == PacketCode.packet.rawValue ? min(bytes.count, bytes[3] & 0x40 != 0 ? 42 : 34) : bytes.count
            bytes.withUnsafeMutableBytes { b in
                do { try cipher.encrypt(b, headerLength: headerLength, stamp: stamp, random: CounterRandom()) } catch { report(error) }
            }
        }
        withExactCopy(bytes, bytes.count) { engine.handleDatagram($0, from: source) }
    }

    /// A PACKET sealed with the community's key (so real transforms open it): from peer e1, or as
    /// the supernode relays it (FROM_SUPERNODE and e1's socket added).
    private func sealPacket(_ body: UnsafeRawBufferPointer, relayed: Bool, sealer: FramePipeline, engine: EdgeEngine, stamp: UInt64) {
        guard body.count >= 6 + 14 else { return }
        let src = MACAddress(loadingFrom: body, at: 0)
        let frame = UnsafeRawBufferPointer(rebasing: body[6...])
        guard frame.count <= sealer.frameCapacity else { return }
        let plainLength: Int
        do {
            plainLength = try sealer.seal(frame: frame, srcMac: src, into: sealed, stamp: 0)
        } catch {
            report(error)
            return
        }
        var bytes = [UInt8](UnsafeRawBufferPointer(rebasing: sealed[..<plainLength]))
        // Sealed without -H first; the relayed form and -H are applied here, as a supernode would.
        if relayed {
            bytes[3] |= 0x60   // FROM_SUPERNODE | SOCKET
            let sock: [UInt8] = [0, 0, 0xC3, 0x51, 0x0A, 0xFA, 0x00, 0x01]   // 10.250.0.1:50001
            bytes.insert(contentsOf: sock, at: 32)
        }
        if sealer.headerCipher != nil {
            let headerLength = relayed ? 42 : 34
            bytes.withUnsafeMutableBytes { b in
                do { try cipher.encrypt(b, headerLength: headerLength, stamp: stamp, random: CounterRandom()) } catch { report(error) }
            }
        }
        withExactCopy(bytes, bytes.count) {
            engine.handleDatagram($0, from: relayed ? Self.supernode : Self.sockets[2])
        }
    }

    /// The tables stay what the input could have made: every event adds at most one peer entry, a
    /// MAC is pending or known but not both and never a group MAC; snooping stays within its limits.
    private func checkTables(_ engine: EdgeEngine, events: Int, snooping: Bool) {
        let peers = engine.peerStatus()
        if peers.count > events + 1 { fuzzFailure("\(peers.count) peer entries after \(events) events") }
        var seen = Set<MACAddress>()
        for p in peers {
            if !seen.insert(p.mac).inserted { fuzzFailure("\(p.mac) is in the peer tables twice") }
            if p.mac.isGroup { fuzzFailure("a peer entry for the group MAC \(p.mac)") }
        }
        if engine.control.routing.peers.count > peers.count {
            fuzzFailure("routing table has \(engine.control.routing.peers.count) peers, tables \(peers.count)")
        }
        guard snooping, let multicast = engine.snapshot().multicast else { return }
        if multicast.groups.count > Self.snoopingLimits.maxGroups {
            fuzzFailure("\(multicast.groups.count) multicast groups, limit \(Self.snoopingLimits.maxGroups)")
        }
        for g in multicast.groups where g.listeners.count > Self.snoopingLimits.maxListenersPerGroup + 1 {
            fuzzFailure("group \(g.group) has \(g.listeners.count) listeners, limit \(Self.snoopingLimits.maxListenersPerGroup) + local")
        }
    }

    /// Sessions of valid traffic for every transform, plain and `-H`: the edge registers (the ACK
    /// carries its cookie), gets a PEER_INFO and a REGISTER from e1, answers, exchanges sealed
    /// PACKETs directly and relayed, sends frames from the TAP, an IGMP join, a pause past the purge.
    func writeSeeds(_ seeds: inout SeedWriter) {
        let e1 = Self.sockets[2]
        for transform in 0..<7 {
            for encrypted in [false, true] {
                var input: [UInt8] = [UInt8(transform << 1) | (encrypted ? 1 : 0) | 0x10, 0x15]
                withUnsafeBytes(of: UInt32(0x6000_0000).bigEndian) { input += $0 }
                func add(_ kind: UInt8, _ body: [UInt8], step: UInt8 = 0, fixCookie: Bool = false) {
                    let control = step << 5 | (fixCookie ? 8 : 0) | (encrypted && kind < 5 ? 0x10 : 0) | kind
                    input += [control, UInt8(body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
                }
                func message(_ m: Message, flags: PacketFlags = []) -> [UInt8] {
                    guard let bytes = try? WireCodec.encode(CommonHeader(code: m.code, flags: flags, community: Self.community), m) else {
                        fuzzFailure("encoding a seed \(m.code)")
                    }
                    return bytes
                }
                let frame: [UInt8] = [0x02, 0, 0, 0, 0xfa, 0x02, 0x02, 0, 0, 0, 0xfa, 0x01, 0x08, 0x00, 0x45] + [UInt8](repeating: 0x11, count: 83)
                let tapFrame: [UInt8] = [0x02, 0, 0, 0, 0xfa, 0x01, 0x02, 0, 0, 0, 0xfa, 0x02, 0x08, 0x00, 0x45] + [UInt8](repeating: 0x22, count: 83)
                // e1 joins 239.0.0.66: IGMPv2 report, IPv4 with router alert, both checksums right.
                var ip: [UInt8] = [0x46, 0, 0, 32, 0, 0, 0, 0, 1, 2, 0, 0, 192, 168, 250, 1, 239, 0, 0, 66, 0x94, 4, 0, 0]
                var igmp: [UInt8] = [0x16, 0, 0, 0, 239, 0, 0, 66]
                Self.setChecksum(&ip, at: 10)
                Self.setChecksum(&igmp, at: 2)
                let igmpJoin: [UInt8] = [0x01, 0, 0x5e, 0, 0, 0x42, 0x02, 0, 0, 0, 0xfa, 0x01, 0x08, 0x00] + ip + igmp
                add(0, message(.registerSuperAck(RegisterSuperAck(cookie: 0, edgeMac: Self.mac, sock: PeerSocket(ipv4: 0xCB00_7105, port: 40000))),
                               flags: [.socket, .fromSupernode]), step: 1, fixCookie: true)
                add(5, tapFrame)
                add(0, message(.peerInfo(PeerInfo(mac: Self.peerMac, sock: e1)), flags: [.fromSupernode]))
                add(2, message(.register(Register(srcMac: Self.peerMac, dstMac: Self.mac))), step: 1)
                add(2, message(.registerAck(RegisterAck(cookie: 0, dstMac: Self.mac, srcMac: Self.peerMac))), fixCookie: true)
                add(6, Self.peerMac.octets + frame, step: 1)
                add(6, Self.peerMac.octets + frame)
                add(5, tapFrame, step: 2)
                add(6, Self.peerMac.octets + igmpJoin)
                add(6, MACAddress(0x02, 0, 0, 0, 0xfa, 0x03).octets + frame, step: 3)
                add(0, message(.register(Register(srcMac: MACAddress(0x02, 0, 0, 0, 0xfa, 0x03), dstMac: Self.mac, sock: Self.sockets[3])),
                               flags: [.socket, .fromSupernode]))
                add(7, Array("peers".utf8))
                add(5, tapFrame, step: 7)
                add(0, message(.registerSuperAck(RegisterSuperAck(cookie: 0, edgeMac: Self.mac, sock: PeerSocket(ipv4: 0xCB00_7105, port: 40000))),
                               flags: [.socket, .fromSupernode]), step: 6, fixCookie: true)
                seeds.write(input)
            }
        }
    }
}

extension EdgeEngineHarness {
    /// The Internet checksum of `bytes` (with zero at `offset`) written at `offset`.
    static func setChecksum(_ bytes: inout [UInt8], at offset: Int) {
        var sum: UInt32 = 0
        for i in stride(from: 0, to: bytes.count, by: 2) {
            sum += UInt32(bytes[i]) << 8 | UInt32(i + 1 < bytes.count ? bytes[i + 1] : 0)
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        bytes[offset] = UInt8(~sum >> 8 & 0xFF)
        bytes[offset + 1] = UInt8(~sum & 0xFF)
    }
}

/// The host without a LAN: the discovery group joins if the input says so; resolutions never
/// happen (both supernodes are literal addresses).
final class FuzzEdgeHost: EdgeHost {
    let joins: Bool
    init(joins: Bool) { self.joins = joins }
    func joinDiscoveryGroup() -> Bool { joins }
    func resolveSupernode(index: Int, host: String, port: UInt16) {
        fuzzFailure("resolution requested for the literal supernode \(host)")
    }
}

/// Everything the edge sends must be readable by a peer: decodable (after header decryption with
/// `-H`), for our community, at most a maximum datagram long, to a usable address; every frame it
/// writes to the TAP is an Ethernet frame of 14...maxFrameLength bytes. It remembers the cookies
/// the edge sent, for the harness's answers.
final class EdgeCheckingSink: CopyingDatagramSink, FrameSink {
    let cipher: HeaderCipher?
    var lastSuperCookie: UInt32?
    var registerCookies: [MACAddress: UInt32] = [:]
    let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFrameLength, alignment: 16)

    init(cipher: HeaderCipher?) {
        self.cipher = cipher
        super.init(datagramCapacity: maxFrameLength + FramePipeline.maxOverhead)
    }

    deinit { frame.deallocate() }

    override func deliver(_ bytes: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) {
        if bytes.count < CommonHeader.size || bytes.count > maxFrameLength + FramePipeline.maxOverhead {
            fuzzFailure("sent \(bytes.count) bytes to \(destination)")
        }
        if destination.port == 0 || destination.address.isUnspecified { fuzzFailure("sent a datagram to \(destination)") }
        withExactCopy(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count) { copy in
            if let cipher {
                do { _ = try cipher.decrypt(copy) } catch { fuzzFailure("sent a datagram that does not decrypt: \(error)") }
            }
            let decoded: DecodedPacket
            do {
                decoded = try WireCodec.decode(UnsafeRawBufferPointer(copy))
            } catch {
                fuzzFailure("sent a datagram that does not decode: \(error)")
            }
            checkCodecRoundTrip(decoded)
            if decoded.header.community != EdgeEngineHarness.community { fuzzFailure("sent a datagram of another community") }
            switch decoded.message {
            case .registerSuper(let m): lastSuperCookie = m.cookie
            case .register(let m) where !m.dstMac.isZero: registerCookies[m.dstMac] = m.cookie
            default: break
            }
        }
    }

    var frameCapacity: Int { frame.count }

    func writeFrame(_ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        let length = fill(frame)
        if length != 0 && (length < 14 || length > frame.count) { fuzzFailure("wrote a \(length)-byte frame to the TAP") }
    }
}

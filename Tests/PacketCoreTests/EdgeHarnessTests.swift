import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// Fakes for the edge engine tests: deterministic randomness, recording sinks, a host, a test
// transform, a fake header cipher, a minimal supernode and a small NAT-ed network.

final class FakeRandom: RandomSource {
    var state: UInt64
    init(seed: UInt64 = 0x9E37_79B9_7F4A_7C15) { state = seed | 1 }
    func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        for i in 0..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: next()) }
    }
    func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

struct EdgeSentDatagram {
    var bytes: [UInt8]
    var to: PeerSocket
    var ipTTL: Int?
    var decoded: DecodedPacket? { try? WireCodec.decode(bytes) }
    var code: PacketCode? { decoded?.header.code }
}

final class EdgeRecordingSink: CopyingDatagramSink, FrameSink {
    var datagrams: [EdgeSentDatagram] = []
    var frames: [[UInt8]] = []
    var onDatagram: ((EdgeSentDatagram) -> Void)?

    override func deliver(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) {
        record(EdgeSentDatagram(bytes: Array(datagram), to: destination, ipTTL: ipTTL))
    }
    private func record(_ d: EdgeSentDatagram) {
        datagrams.append(d)
        onDatagram?(d)
    }
    var frameCapacity: Int { 4096 }
    func writeFrame(_ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        var bytes = [UInt8](repeating: 0, count: frameCapacity)
        let length = bytes.withUnsafeMutableBytes(fill)
        if length > 0 { frames.append(Array(bytes[0..<length])) }
    }

    func sent(_ code: PacketCode) -> [EdgeSentDatagram] { datagrams.filter { $0.code == code } }
    func clear() {
        datagrams.removeAll()
        frames.removeAll()
    }
}

final class FakeHost: EdgeHost {
    var joinSucceeds = true
    var joinAttempts = 0
    var resolutionRequests: [(index: Int, host: String, port: UInt16)] = []
    func joinDiscoveryGroup() -> Bool {
        joinAttempts += 1
        return joinSucceeds
    }
    func resolveSupernode(index: Int, host: String, port: UInt16) {
        resolutionRequests.append((index, host, port))
    }
}

/// Transform id `id`: payload = 0x01 ‖ (frame XOR 0x5A); decoding insists on the version byte.
final class TestTransform: PayloadTransform {
    let id: TransformID
    init(id: TransformID = .null) { self.id = id }
    func maxEncodedLength(plaintextLength: Int) -> Int { plaintextLength + 1 }
    func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        guard output.count >= plaintext.count + 1 else { throw .outputTooSmall(needed: plaintext.count + 1, available: output.count) }
        output[0] = 1
        for i in 0..<plaintext.count { output[i + 1] = plaintext[i] ^ 0x5A }
        return plaintext.count + 1
    }
    func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        guard payload.count >= 1 else { throw .badLength(payload.count) }
        guard payload[0] == 1 else { throw .badEncodingVersion(payload[0]) }
        let n = payload.count - 1
        guard output.count >= n else { throw .outputTooSmall(needed: n, available: output.count) }
        for i in 0..<n { output[i] = payload[i + 1] ^ 0x5A }
        return n
    }

    static func payload(_ frame: [UInt8]) -> [UInt8] { [1] + frame.map { $0 ^ 0x5A } }
}

extension HeaderCipher {
    /// Header-encrypts a copy of `bytes` (H = whole datagram unless given) with `stamp`.
    func seal(_ bytes: [UInt8], headerLength: Int? = nil, stamp: UInt64, random: RandomSource = FakeRandom(seed: 77)) -> [UInt8] {
        var b = bytes
        b.withUnsafeMutableBytes { try! encrypt($0, headerLength: headerLength ?? bytes.count, stamp: stamp, random: random) }
        return b
    }

    /// Decrypts a copy; nil when it is not ours.
    func open(_ bytes: [UInt8]) -> [UInt8]? {
        var b = bytes
        guard (try? b.withUnsafeMutableBytes { try decrypt($0) }) != nil else { return nil }
        return b
    }
}

let testCommunity = Community("mynet")
let macA = MACAddress(0x02, 0, 0, 0, 0, 0x01)
let macB = MACAddress(0x02, 0, 0, 0, 0, 0x02)
let macC = MACAddress(0x02, 0, 0, 0, 0, 0x03)
let sn1Socket = PeerSocket(ipv4: 0xC633_6401, port: 7654)   // 198.51.100.1
let sn2Socket = PeerSocket(ipv4: 0xC633_6402, port: 7654)   // 198.51.100.2
let ipA: UInt32 = 0x0A00_0001
let ipB: UInt32 = 0x0A00_0002

/// One engine with its fakes.
final class TestEdge {
    let clock: ManualClock
    let sink = EdgeRecordingSink()
    let host = FakeHost()
    let random: FakeRandom
    let engine: EdgeEngine
    let cipher: HeaderCipher?

    init(mac: MACAddress = macA, ip: UInt32 = ipA, supernodes: [SupernodeAddress] = [SupernodeAddress(host: "198.51.100.1", port: 7654)],
         clock: ManualClock = ManualClock(), seed: UInt64 = 1, headerEncryption: Bool = false,
         transform: TransformID = .null, configure: (inout EdgeEngine.Configuration) -> Void = { _ in }) {
        var config = EdgeEngine.Configuration(community: testCommunity, mac: mac, supernodes: supernodes)
        config.tapIPv4 = ip
        configure(&config)
        self.clock = clock
        self.random = FakeRandom(seed: seed &* 0x2545_F491_4F6C_DD1D)
        let pipeline = FramePipeline(community: testCommunity, transform: TestTransform(id: transform),
                                     headerEncryption: headerEncryption, random: random)
        self.cipher = pipeline.headerCipher
        engine = EdgeEngine(configuration: config, pipeline: pipeline, random: random, clock: clock,
                            datagrams: sink, frames: sink, host: host, verbosity: 0)
    }

    var mac: MACAddress { engine.configuration.mac }

    func receive(_ bytes: [UInt8], from source: PeerSocket) {
        var b = bytes
        b.withUnsafeMutableBytes { engine.handleDatagram($0, from: source) }
    }

    func send(frame: [UInt8]) {
        frame.withUnsafeBytes { engine.handleFrame($0) }
    }

    func management(_ text: String) -> EdgeManagementResponse {
        Array(text.utf8).withUnsafeBytes { engine.handleManagement($0) }
    }

    func managementText(_ text: String) -> String {
        String(decoding: management(text).reply ?? [], as: UTF8.self)
    }

    func advance(_ seconds: Double) {
        clock.advance(seconds: seconds)
        engine.tick()
    }

    /// Answers the last REGISTER_SUPER sent to `sn` as a supernode would.
    func ackRegistration(from sn: PeerSocket = sn1Socket, public publicSocket: PeerSocket = PeerSocket(ipv4: 0xCB00_7105, port: 40000)) {
        guard let reg = sink.datagrams.last(where: { $0.code == .registerSuper && $0.to == sn }),
              case .registerSuper(let rs)? = reg.decoded?.message else { return }
        let ack = RegisterSuperAck(cookie: rs.cookie, edgeMac: rs.edgeMac, sock: publicSocket)
        receive(try! WireCodec.encode(CommonHeader(code: .registerSuperAck, flags: [.socket, .fromSupernode], community: testCommunity),
                                      .registerSuperAck(ack)), from: sn)
    }
}

/// Ethernet frames for tests.
enum Frames {
    static func ethernet(dst: MACAddress, src: MACAddress, type: UInt16, payload: [UInt8]) -> [UInt8] {
        dst.octets + src.octets + [UInt8(type >> 8), UInt8(type & 0xFF)] + payload
    }

    static func arpRequest(from src: MACAddress, senderIP: UInt32, targetIP: UInt32) -> [UInt8] {
        var p: [UInt8] = [0, 1, 8, 0, 6, 4, 0, 1] + src.octets + ip(senderIP) + [0, 0, 0, 0, 0, 0] + ip(targetIP)
        p += [UInt8](repeating: 0, count: 18)
        return ethernet(dst: .broadcast, src: src, type: 0x0806, payload: p)
    }

    static func ipv4(dst: MACAddress, src: MACAddress, srcIP: UInt32, dstIP: UInt32, extra: Int = 8) -> [UInt8] {
        var h: [UInt8] = [0x45, 0, UInt8((20 + extra) >> 8), UInt8((20 + extra) & 0xFF), 0, 0, 0, 0, 64, 17, 0, 0]
        h += ip(srcIP) + ip(dstIP)
        return ethernet(dst: dst, src: src, type: 0x0800, payload: h + [UInt8](repeating: 0xAB, count: extra))
    }

    static func ip(_ a: UInt32) -> [UInt8] { [UInt8(a >> 24), UInt8(a >> 16 & 0xFF), UInt8(a >> 8 & 0xFF), UInt8(a & 0xFF)] }
}

/// A PACKET datagram carrying `frame` through `TestTransform`.
func packetDatagram(src: MACAddress, dst: MACAddress, frame: [UInt8], sock: PeerSocket? = nil,
                    fromSupernode: Bool = false, transform: UInt16 = TransformID.null.rawValue,
                    community: Community = testCommunity) -> [UInt8] {
    let header = PacketHeader(srcMac: src, dstMac: dst, sock: sock, transform: TransformField(rawValue: transform))
    let flags: PacketFlags = fromSupernode ? [.fromSupernode] : []
    return try! WireCodec.encode(CommonHeader(code: .packet, flags: flags, community: community), .packet(header))
        + TestTransform.payload(frame)
}

func controlDatagram(_ message: Message, flags: PacketFlags = [], community: Community = testCommunity) -> [UInt8] {
    try! WireCodec.encode(CommonHeader(code: message.code, flags: flags, community: community), message)
}

/// A minimal supernode (spec 6.3): registration, PACKET/REGISTER relaying, QUERY_PEER.
final class FakeSupernode {
    let socket: PeerSocket
    var edges: [MACAddress: PeerSocket] = [:]
    var answersRegistrations = true
    var cipher: HeaderCipher?
    var stampSource: () -> UInt64 = { 0 }

    init(socket: PeerSocket) { self.socket = socket }

    /// Returns the datagrams to send: (bytes, destination).
    func handle(_ input: [UInt8], from source: PeerSocket) -> [([UInt8], PeerSocket)] {
        var bytes = input
        var headerLength = bytes.count
        if let cipher {
            guard let opened = try? bytes.withUnsafeMutableBytes({ try cipher.decrypt($0) }) else { return [] }
            headerLength = opened.headerLength
        }
        guard let packet = try? WireCodec.decode(bytes) else { return [] }
        var out: [([UInt8], PeerSocket)] = []
        func seal(_ b: [UInt8], _ h: Int? = nil) -> [UInt8] { cipher?.seal(b, headerLength: h, stamp: stampSource()) ?? b }
        let fromSN = packet.header.flags.contains(.fromSupernode)
        var relayHeader = packet.header
        relayHeader.ttl = packet.header.ttl &- 1
        relayHeader.flags.insert(.fromSupernode)
        switch packet.message {
        case .registerSuper(let r):
            guard answersRegistrations else { return [] }
            edges[r.edgeMac] = source
            let ack = RegisterSuperAck(cookie: r.cookie, edgeMac: r.edgeMac, sock: source)
            out.append((seal(controlDatagram(.registerSuperAck(ack), flags: [.socket, .fromSupernode])), source))
        case .packet(var p):
            let payload = Array(bytes[packet.bodyEnd...])
            if !fromSN { p.sock = source }
            let head = try! WireCodec.encode(fromSN ? packet.header : relayHeader, .packet(p))
            let relayed = seal(head + payload, head.count)
            if p.dstMac.isSupernodeMulticast {
                for (mac, sock) in edges where mac != p.srcMac { out.append((relayed, sock)) }
            } else if let sock = edges[p.dstMac] {
                out.append((relayed, sock))
            }
            _ = headerLength
        case .register(var r):
            guard !r.dstMac.isSupernodeMulticast, let sock = edges[r.dstMac] else { return [] }
            if !fromSN { r.sock = source }
            let relayed = try! WireCodec.encode(fromSN ? packet.header : relayHeader, .register(r))
            out.append((seal(relayed), sock))
        case .queryPeer(let q):
            if let sock = edges[q.targetMac] {
                out.append((seal(controlDatagram(.peerInfo(PeerInfo(mac: q.targetMac, sock: sock)), flags: [.fromSupernode])), source))
            }
        default:
            break
        }
        return out
    }
}

/// Edges behind port-restricted NATs and one or two supernodes. An edge receives from a public
/// address only after sending to it (hole punching), except from the supernodes.
final class FakeNetwork {
    struct Member {
        let edge: TestEdge
        let publicSocket: PeerSocket
        let lanSocket: PeerSocket?
        var openedTo: Set<PeerSocket> = []
    }
    var members: [Member] = []
    var supernodes: [FakeSupernode] = []
    var queue: [(bytes: [UInt8], from: PeerSocket, to: PeerSocket, sender: Int?)] = []
    var log: [(bytes: [UInt8], from: PeerSocket, to: PeerSocket)] = []
    var natFiltering = true
    /// Drop everything an edge sends directly to another edge (a broken P2P path).
    var blockDirect: Set<Int> = []

    func add(_ edge: TestEdge, public publicSocket: PeerSocket, lan: PeerSocket? = nil) {
        let index = members.count
        members.append(Member(edge: edge, publicSocket: publicSocket, lanSocket: lan))
        edge.sink.onDatagram = { [unowned self] d in
            if let ttl = d.ipTTL, ttl < 8 {
                // Expires on the way but opens the sender's NAT.
                self.members[index].openedTo.insert(d.to)
                return
            }
            self.queue.append((d.bytes, self.members[index].publicSocket, d.to, index))
        }
    }

    func pump(limit: Int = 10_000) {
        var steps = 0
        while !queue.isEmpty && steps < limit {
            steps += 1
            let item = queue.removeFirst()
            deliver(item.bytes, from: item.from, to: item.to, sender: item.sender)
        }
    }

    private func deliver(_ bytes: [UInt8], from: PeerSocket, to: PeerSocket, sender: Int?) {
        if let sender, to == .discoveryGroup {
            guard let lan = members[sender].lanSocket else { return }
            for i in members.indices where i != sender && members[i].lanSocket != nil {
                log.append((bytes, lan, PeerSocket.discoveryGroup))
                members[i].edge.receive(bytes, from: lan)
            }
            return
        }
        if let sn = supernodes.first(where: { $0.socket == to }) {
            if let sender { members[sender].openedTo.insert(to) }
            log.append((bytes, from, to))
            for (reply, dest) in sn.handle(bytes, from: from) {
                queue.append((reply, sn.socket, dest, nil))
            }
            return
        }
        guard let target = members.firstIndex(where: { $0.publicSocket == to || $0.lanSocket == to }) else { return }
        if let sender {
            if blockDirect.contains(sender) || blockDirect.contains(target) { return }
            let onLAN = members[target].lanSocket == to
            members[sender].openedTo.insert(to)
            let source = onLAN ? (members[sender].lanSocket ?? from) : from
            if !onLAN && natFiltering && !members[target].openedTo.contains(source) { return }
            log.append((bytes, source, to))
            members[target].edge.receive(bytes, from: source)
        } else {
            log.append((bytes, from, to))
            members[target].edge.receive(bytes, from: from)
        }
    }

    /// Datagrams of `code` that went edge-to-edge (not from or to a supernode).
    func direct(_ code: PacketCode) -> [(bytes: [UInt8], from: PeerSocket, to: PeerSocket)] {
        log.filter { entry in
            let isSN = supernodes.contains { $0.socket == entry.from || $0.socket == entry.to }
            return !isSN && (try? WireCodec.decode(entry.bytes))?.header.code == code
        }
    }

    func advance(_ seconds: Double, step: Double = 0.5) {
        var left = seconds
        while left > 1e-9 {
            let s = min(step, left)
            left -= s
            members[0].edge.clock.advance(seconds: s)
            for m in members { m.edge.engine.tick() }
            pump()
        }
    }
}

@Test func harnessTestTransformRoundTrips() throws {
    let t = TestTransform()
    let frame: [UInt8] = Array(0..<40)
    var out = [UInt8](repeating: 0, count: 64)
    let n = try frame.withUnsafeBytes { f in try out.withUnsafeMutableBytes { try t.encode(f, into: $0) } }
    #expect(Array(out[..<n]) == TestTransform.payload(frame))
    var back = [UInt8](repeating: 0, count: 64)
    let m = try out.withUnsafeBytes { o in try back.withUnsafeMutableBytes { try t.decode(UnsafeRawBufferPointer(rebasing: o[..<n]), into: $0) } }
    #expect(Array(back[..<m]) == frame)
}

@Test func harnessHeaderCipherHelpersRoundTrip() {
    let cipher = HeaderCipher(community: testCommunity)
    let plain = controlDatagram(.queryPeer(QueryPeer(srcMac: macA, targetMac: macB)))
    let sealed = cipher.seal(plain, stamp: 0x1234)
    #expect(sealed != plain)
    #expect(cipher.open(sealed) == plain)
    #expect(cipher.open(plain) == nil)
}

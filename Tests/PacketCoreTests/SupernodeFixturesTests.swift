// Fakes and helpers shared by the supernode engine tests (no sockets, injected clock).
import N2NWire
import LinuxSystem
@testable import PacketCore

/// Records every datagram the engine sends, and where its bytes lived (to check the fan-out reuses one buffer).
final class RecordingSink: CopyingDatagramSink {
    struct Sent: Equatable {
        var bytes: [UInt8]
        var destination: PeerSocket
        var address: UInt
    }
    var sent: [Sent] = []

    override func deliver(_ bytes: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) {
        sent.append(Sent(bytes: Array(bytes), destination: destination,
                         address: UInt(bitPattern: bytes.baseAddress)))
    }

    func take() -> [Sent] {
        defer { sent.removeAll() }
        return sent
    }
}

/// Counter-based random bytes (deterministic).
final class CountingRandom: RandomSource {
    var next: UInt8 = 0x40
    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        for i in buffer.indices {
            buffer[i] = next
            next &+= 1
        }
    }
}

/// A stand-in for header encryption with the same shape as spec 4.4 (in place, community bytes
/// dropped, version/TTL/flags moved to bytes 16...19, a magic, a length byte, a checksum, a stamp),
/// but trivially reversible, so the engine's classification and stamp logic can be tested on its own.
/// Layout: [0] 0xEE, [1] tag (first name byte), [2] H, [3...10] stamp BE, [11] sum of the plain bytes,
/// bytes 16..<H XORed with 0x5A.
final class FakeHeaderCipher: SupernodeHeaderCipher {
    let community: Community
    let tag: UInt8
    var opens = 0

    init(_ community: Community) {
        self.community = community
        tag = community.bytes[0]
    }

    func open(_ d: UnsafeMutableRawBufferPointer) -> HeaderOpenResult {
        opens += 1
        guard d.count >= 20, d[0] == 0xEE, d[1] == tag else { return .notThisCommunity }
        let h = Int(d[2])
        guard h >= 20, h <= d.count else { return .notThisCommunity }
        var stamp: UInt64 = 0
        for i in 3...10 { stamp = stamp << 8 | UInt64(d[i]) }
        let sum = d[11]
        for i in 16..<h { d[i] ^= 0x5A }
        for i in 0..<4 { d[i] = d[16 + i] }
        community.store(to: d, at: 4)
        var check: UInt8 = 0
        for b in d { check &+= b }
        return check == sum ? .opened(stamp: stamp, headerLength: h) : .checksumMismatch
    }

    func seal(_ d: UnsafeMutableRawBufferPointer, headerLength h: Int, stamp: UInt64) -> Bool {
        guard h >= 20, h <= d.count, h <= 255 else { return false }
        var sum: UInt8 = 0
        for b in d { sum &+= b }
        for i in 0..<4 { d[16 + i] = d[i] }
        for i in 16..<h { d[i] ^= 0x5A }
        d[0] = 0xEE
        d[1] = tag
        d[2] = UInt8(h)
        for i in 0..<8 { d[3 + i] = UInt8(truncatingIfNeeded: stamp >> (56 - 8 * UInt64(i))) }
        d[11] = sum
        return true
    }

    /// Edge side: seal a plain datagram.
    func sealed(_ plain: [UInt8], headerLength: Int? = nil, stamp: UInt64) -> [UInt8] {
        var out = plain
        _ = out.withUnsafeMutableBytes { seal($0, headerLength: headerLength ?? plain.count, stamp: stamp) }
        return out
    }

    /// Edge side: open a sealed datagram; nil if it does not open.
    func opened(_ sealed: [UInt8]) -> (plain: [UInt8], stamp: UInt64)? {
        var out = sealed
        let result = out.withUnsafeMutableBytes { open($0) }
        if case .opened(let stamp, _) = result { return (out, stamp) }
        return nil
    }
}

/// An engine with a recording sink and a settable clock.
final class SupernodeHarness {
    let sink = RecordingSink()
    let engine: SupernodeEngine
    let clock: ManualClock
    var ciphers: [Community: FakeHeaderCipher] = [:]
    /// Wall time now (what header stamps and 2.8's "never" ages are made of).
    var now: WallTime { clock.wallTime }

    init(options: SupernodeEngineOptions = SupernodeEngineOptions(), encryption: Bool = false,
         clock: ManualClock = ManualClock(wall: WallTime(seconds: 0x6000_0000))) {
        self.clock = clock
        var made: [Community: FakeHeaderCipher] = [:]
        let factory: SupernodeHeaderCipherFactory? = encryption ? { community in
            let cipher = FakeHeaderCipher(community)
            made[community] = cipher
            return cipher
        } : nil
        engine = SupernodeEngine(options: options, output: sink, headerCipherFactory: factory,
                                 random: CountingRandom(), clock: clock)
        engine.logger.logLevel = .critical
        ciphers = made
    }

    /// Feeds one datagram and returns what the engine sent in response.
    @discardableResult
    func receive(_ bytes: [UInt8], from source: PeerSocket) -> [RecordingSink.Sent] {
        var copy = bytes
        copy.withUnsafeMutableBytes { engine.handleDatagram($0, from: source) }
        return sink.take()
    }

    func advance(seconds: Int64) { clock.advance(seconds: Double(seconds)) }

    /// A header stamp for the current wall clock, `offset` microseconds away.
    func stamp(random: UInt16 = 0x123, offsetMicroseconds offset: Int64 = 0) -> UInt64 {
        let micros = now.seconds * 1_000_000 + Int64(now.microseconds) + offset
        return EdgeReplayWindow.stamp(WallTime(seconds: micros / 1_000_000, microseconds: Int32(micros % 1_000_000)),
                                      random12: random)
    }
}

enum Fixture {
    static let community = Community("mynet")
    static let macA = MACAddress(2, 0, 0, 0, 0, 1)
    static let macB = MACAddress(2, 0, 0, 0, 0, 2)
    static let macC = MACAddress(2, 0, 0, 0, 0, 3)
    /// 203.0.113.5:40000, the public socket of the spec 1.6 examples.
    static let specSocket = PeerSocket(ipv4: 0xCB00_7105, port: 40000)
    static let sockA = PeerSocket(ipv4: 0xC633_6401, port: 50001)
    static let sockB = PeerSocket(ipv4: 0xC633_6402, port: 50002)
    static let sockC = PeerSocket(ipv4: 0xC633_6403, port: 50003)

    static func hex(_ text: String) -> [UInt8] {
        let digits = text.filter { $0.isHexDigit }
        var out: [UInt8] = []
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            out.append(UInt8(digits[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    static func registerSuper(_ mac: MACAddress, cookie: UInt32 = 0x0102_0304, community: Community = community) -> [UInt8] {
        try! WireCodec.encode(CommonHeader(code: .registerSuper, community: community),
                              .registerSuper(RegisterSuper(cookie: cookie, edgeMac: mac)))
    }

    static func packet(from src: MACAddress, to dst: MACAddress, payload: [UInt8] = [0xAB, 0xCD, 0xEF],
                       community: Community = community, flags: PacketFlags = [], sock: PeerSocket? = nil,
                       ttl: UInt8 = 2) -> [UInt8] {
        try! WireCodec.encode(CommonHeader(ttl: ttl, code: .packet, flags: flags, community: community),
                              .packet(PacketHeader(srcMac: src, dstMac: dst, sock: sock,
                                                   transform: TransformField(transform: .speckCTR)))) + payload
    }

    static func register(from src: MACAddress, to dst: MACAddress, community: Community = community) -> [UInt8] {
        try! WireCodec.encode(CommonHeader(code: .register, community: community),
                              .register(Register(srcMac: src, dstMac: dst)))
    }

    static func queryPeer(from src: MACAddress, for target: MACAddress, community: Community = community) -> [UInt8] {
        try! WireCodec.encode(CommonHeader(code: .queryPeer, community: community),
                              .queryPeer(QueryPeer(srcMac: src, targetMac: target)))
    }
}

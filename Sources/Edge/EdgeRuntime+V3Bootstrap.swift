#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem
import N2NWire
import PacketCore
import TapDevice

// n2n 3.x without `-a` (v3 spec 8.2 step 4): before privileges are dropped, ask each supernode in
// turn for an address (REGISTER_SUPER with address 0/0), wait up to 3 s for its ACK, and put the
// address on the TAP. The registration proper then carries that address.
extension EdgeRuntime {
    static let bootstrapTimeoutMilliseconds: Int32 = 3000
    static let bootstrapAttempts = 3

    /// The assigned address and prefix length, or nil when no supernode answered with one.
    func bootstrapV3Address(wire: EdgeV3ControlWire) -> V3DeviceAddress? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        for attempt in 1...Self.bootstrapAttempts {
            for supernode in config.supernodes {
                guard let address = supernode.literal ?? SupernodeResolver.lookup(host: supernode.host, port: supernode.port, ipv6: mainSocket.family == .ipv6) else {
                    logger.warning("cannot resolve supernode \(supernode) for the address request")
                    continue
                }
                var cookie: UInt32 = 0
                withUnsafeMutableBytes(of: &cookie) { random.fill($0) }
                let stamp = wire.encryptsHeaders ? wire.makeStamp(clock.wallTime, random: random) : 0
                guard let length = try? wire.encodeControl(.registerSuper(RegisterSuper(cookie: cookie, edgeMac: mac)),
                                                            into: buffer, stamp: stamp, random: random),
                      (try? mainSocket.send(UnsafeRawBufferPointer(rebasing: buffer[..<length]), to: address.socketAddress)) != nil
                else { continue }
                logger.notice("asking supernode \(supernode) for an address (attempt \(attempt))")
                if let assigned = awaitAssignment(cookie: cookie, from: address, wire: wire, buffer: buffer) { return assigned }
            }
        }
        return nil
    }

    private func awaitAssignment(cookie: UInt32, from supernode: PeerSocket, wire: EdgeV3ControlWire,
                                 buffer: UnsafeMutableRawBufferPointer) -> V3DeviceAddress? {
        let deadline = clock.monotonicNanoseconds + Int64(Self.bootstrapTimeoutMilliseconds) * 1_000_000
        while true {
            let left = Int32(max(0, (deadline - clock.monotonicNanoseconds) / 1_000_000))
            if left == 0 { return nil }
            var descriptor = pollfd(fd: mainSocket.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, left) > 0 else { continue }
            guard let received = (try? mainSocket.receive(into: buffer)) ?? nil, let source = received.source,
                  PeerSocket(source) == supernode else { continue }
            let length = received.length
            let datagram = UnsafeMutableRawBufferPointer(rebasing: buffer[..<length])
            if wire.encryptsHeaders {
                guard (try? V3HeaderCipher(community: wire.community).decrypt(datagram)) != nil else { continue }
            }
            guard let decoded = try? V3Codec.decode(UnsafeRawBufferPointer(datagram)),
                  case .registerSuperAck(let ack) = decoded.message, ack.cookie == cookie else { continue }
            guard ack.deviceAddress.address != 0 else {
                logger.error("supernode \(supernode) assigned no address (is its -a pool exhausted?)")
                return nil
            }
            return ack.deviceAddress
        }
    }
}

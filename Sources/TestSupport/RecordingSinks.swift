import N2NWire
import PacketCore

/// One datagram an engine sent.
public struct SentDatagram: Sendable, Equatable {
    public var bytes: [UInt8]
    public var destination: PeerSocket
    /// The IP TTL asked for (`-L` hole punching); nil = the socket's default.
    public var ipTTL: Int?

    public var decoded: DecodedPacket? { try? WireCodec.decode(bytes) }
}

/// The edge's sinks, recording (datagrams, frames) and optionally passing each datagram on.
public final class RecordingEdgeSink: EdgeDatagramSink, EdgeFrameSink {
    public private(set) var datagrams: [SentDatagram] = []
    public private(set) var frames: [[UInt8]] = []
    /// Called for every datagram after it is recorded (an in-memory network hooks in here).
    public var onDatagram: ((SentDatagram) -> Void)?

    public init() {}

    public func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket) {
        record(SentDatagram(bytes: Array(datagram), destination: destination, ipTTL: nil))
    }

    public func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int) {
        record(SentDatagram(bytes: Array(datagram), destination: destination, ipTTL: ipTTL))
    }

    public func writeFrame(_ frame: UnsafeRawBufferPointer) { frames.append(Array(frame)) }

    private func record(_ d: SentDatagram) {
        datagrams.append(d)
        onDatagram?(d)
    }

    public func clear() {
        datagrams.removeAll()
        frames.removeAll()
    }
}

/// The supernode's output sink, recording and optionally passing each datagram on.
public final class RecordingSupernodeSink: SupernodeOutputSink {
    public private(set) var sent: [SentDatagram] = []
    public var onDatagram: ((SentDatagram) -> Void)?

    public init() {}

    public func enqueue(_ bytes: UnsafeRawBufferPointer, to destination: PeerSocket) {
        let d = SentDatagram(bytes: Array(bytes), destination: destination, ipTTL: nil)
        sent.append(d)
        onDatagram?(d)
    }

    public func clear() { sent.removeAll() }
}

/// An edge host without a LAN: the discovery group cannot be joined; resolutions are recorded.
public final class RecordingEdgeHost: EdgeHost {
    public private(set) var resolutionRequests: [(index: Int, host: String, port: UInt16)] = []
    public var joinSucceeds = false

    public init() {}

    public func joinDiscoveryGroup() -> Bool { joinSucceeds }

    public func resolveSupernode(index: Int, host: String, port: UInt16) {
        resolutionRequests.append((index, host, port))
    }
}

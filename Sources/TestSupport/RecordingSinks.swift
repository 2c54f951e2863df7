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

/// The engines' one datagram sink, recording every datagram (whatever form the engine queued it
/// in) and optionally passing it on.
open class RecordingDatagramSink: CopyingDatagramSink {
    public private(set) var sent: [SentDatagram] = []
    /// Called for every datagram after it is recorded (an in-memory network hooks in here).
    public var onDatagram: ((SentDatagram) -> Void)?

    public override init(datagramCapacity: Int = 4096) { super.init(datagramCapacity: datagramCapacity) }

    public override func deliver(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) {
        let d = SentDatagram(bytes: Array(datagram), destination: destination, ipTTL: ipTTL)
        sent.append(d)
        onDatagram?(d)
    }

    open func clear() { sent.removeAll() }
}

/// The edge's sinks: datagrams as `RecordingDatagramSink`, and the frames written to the TAP.
public final class RecordingEdgeSink: RecordingDatagramSink, FrameSink {
    public var datagrams: [SentDatagram] { sent }
    public private(set) var frames: [[UInt8]] = []

    public init() { super.init() }

    public var frameCapacity: Int { 4096 }

    public func writeFrame(_ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        var bytes = [UInt8](repeating: 0, count: frameCapacity)
        let length = bytes.withUnsafeMutableBytes(fill)
        if length > 0 { frames.append(Array(bytes[0..<length])) }
    }

    public override func clear() {
        super.clear()
        frames.removeAll()
    }
}

/// The supernode's sink.
public final class RecordingSupernodeSink: RecordingDatagramSink {
    public init() { super.init() }
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

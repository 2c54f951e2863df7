import N2NWire

/// How a runtime sizes one worker's buffers: every capacity is chosen here and passed to the
/// buffer that needs it, so nothing else reads a global limit.
public struct BatchSizes: Sendable, Equatable {
    /// The longest Ethernet frame (the protocol allows up to `maxFrameLength`).
    public var frameCapacity: Int = maxFrameLength
    /// Datagrams taken per `recvmmsg`.
    public var receiveBatch: Int = 32
    /// UDP GRO on the receiving socket: each received message may be up to 64 KiB of coalesced
    /// datagrams, so the receive batch gets fewer, larger slots (`receiveMessages` x
    /// `receiveMessageCapacity`: 16 x 64 KiB = 1 MiB per worker instead of 32 x ~2 KiB).
    public var receiveCoalescing = false
    public var coalescedReceiveBatch: Int = 16
    /// The largest message UDP GRO hands over (a UDP payload is below 64 KiB).
    public static let coalescedMessageCapacity = 65_536
    /// Datagrams sent per `sendmmsg` (a fan-out larger than this flushes in between).
    public var sendBatch: Int = 64
    /// Frames read from the TAP per readiness round.
    public var tapReadBatch: Int = 32
    /// Frames written to the TAP per flush.
    public var tapWriteBatch: Int = 64

    public init() {}

    /// Room for the largest datagram a frame of `frameCapacity` becomes.
    public var datagramCapacity: Int { frameCapacity + FramePipeline.maxOverhead }

    /// Messages per `recvmmsg` and the room for each.
    public var receiveMessages: Int { receiveCoalescing ? coalescedReceiveBatch : receiveBatch }
    public var receiveMessageCapacity: Int { receiveCoalescing ? Self.coalescedMessageCapacity : datagramCapacity }
}

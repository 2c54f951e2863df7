import N2NWire

/// A `DatagramSink` that hands every datagram to `deliver` as one contiguous copy, whatever form
/// the engine used to queue it: for recorders in tests and fuzzers, and anything else that
/// looks at datagrams one by one rather than batching them. Subclass and override `deliver`.
open class CopyingDatagramSink: DatagramSink {
    private let scratch: UnsafeMutableRawBufferPointer
    private var lastLength = 0
    /// Datagrams queued as "the same bytes again" (a fan-out's copies after the first).
    public private(set) var repeats = 0

    public init(datagramCapacity: Int = 4096) {
        scratch = .allocate(byteCount: datagramCapacity, alignment: 16)
    }

    deinit { scratch.deallocate() }

    public var datagramCapacity: Int { scratch.count }

    /// One datagram for `destination`; `ipTTL` is set for a `-L` burst datagram.
    open func deliver(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int?) {}

    public final func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket) {
        remember(datagram)
        deliver(datagram, to: destination, ipTTL: nil)
    }

    public final func enqueue(to destination: PeerSocket, _ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        let length = fill(scratch)
        guard length > 0 else { return }
        lastLength = min(length, scratch.count)
        deliver(UnsafeRawBufferPointer(rebasing: scratch[0..<lastLength]), to: destination, ipTTL: nil)
    }

    public final func enqueueAgain(to destination: PeerSocket) {
        repeats += 1
        deliver(UnsafeRawBufferPointer(rebasing: scratch[0..<lastLength]), to: destination, ipTTL: nil)
    }

    public final func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int) {
        remember(datagram)
        deliver(datagram, to: destination, ipTTL: ipTTL)
    }

    private func remember(_ datagram: UnsafeRawBufferPointer) {
        lastLength = min(datagram.count, scratch.count)
        if lastLength > 0, datagram.baseAddress != UnsafeRawPointer(scratch.baseAddress) {
            scratch.copyMemory(from: UnsafeRawBufferPointer(rebasing: datagram[0..<lastLength]))
        }
    }
}

/// A `FrameSink` that hands every frame to `deliver` (tests, fuzzers).
open class CopyingFrameSink: FrameSink {
    private let scratch: UnsafeMutableRawBufferPointer

    public init(frameCapacity: Int = 4096) {
        scratch = .allocate(byteCount: frameCapacity, alignment: 16)
    }

    deinit { scratch.deallocate() }

    public var frameCapacity: Int { scratch.count }

    open func deliver(_ frame: UnsafeRawBufferPointer) {}

    public final func writeFrame(_ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        let length = fill(scratch)
        guard length > 0 else { return }
        deliver(UnsafeRawBufferPointer(rebasing: scratch[0..<min(length, scratch.count)]))
    }
}

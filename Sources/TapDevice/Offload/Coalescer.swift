#if canImport(LinuxSystem)  // the fuzz builds compile InternetChecksum.swift into this module
import LinuxSystem
#endif
/// GRO in software for the receive direction: plain frames from peers that continue one TCP flow in order
/// are merged into one super-frame with a virtio-net header (gso TCPV4/TCPV6, NEEDS_CSUM), which a TAP with
/// offloads on takes in one write, as the kernel's own GRO would have built it.
///
/// Rules (conservative, after the kernel's tcp_gro_receive):
/// - One flow is pending at a time. Every frame that does not extend it flushes it first, so the order of
///   frames written equals the order offered, across all flows.
/// - A frame can merge when it is Ethernet + IPv4 without options (or IPv6 without extension headers) +
///   TCP, not a fragment, with no Ethernet padding, flags exactly ACK or ACK|PSH, a non-empty payload,
///   and a valid IPv4 header checksum and TCP checksum (a bad one passes through untouched, so the
///   kernel still drops it).
/// - It extends the pending flow when the Ethernet header, addresses, ports, TOS/traffic class, flow
///   label, TTL/hop limit, DF bit, acknowledgment number, TCP header length, urgent pointer and TCP option bytes are all
///   identical (timestamps too: segments sent within one timestamp tick merge, others do not), its sequence
///   number is the next expected, and its payload is no longer than the first segment's (gso_size).
///   The IPv4 id is not checked (segmentation regenerates ids); the window is taken from the newest segment.
/// - A segment with PSH, or shorter than gso_size, ends the super-frame: it is emitted at once.
/// - Frames that pass through get a zero virtio-net header (gso NONE, flags 0: the kernel verifies their
///   checksums itself).
///
/// Emitted buffers are valid only during the `emit` call. Nothing allocates after `init`.
public final class Coalescer {
    public enum Outcome: Equatable, Sendable {
        /// Became the pending flow's first segment; nothing emitted for it yet.
        case held
        /// Appended to the pending super-frame.
        case merged
        /// Appended, and the super-frame emitted, because this segment ends it (PSH, short, or full).
        case mergedAndFlushed
        /// Emitted unchanged after any pending super-frame.
        case passedThrough(PassReason)
    }

    public enum PassReason: Equatable, Sendable {
        /// Not an Ethernet + IPv4/IPv6 + TCP/UDP frame the parser accepts (ARP, fragments, truncated...).
        case unparsed(OffloadError)
        case notTCP
        case ipv4Options
        /// Bytes after the IP packet.
        case padded
        /// Flags other than ACK or ACK|PSH (SYN, FIN, RST, URG, ECE, CWR, or no ACK).
        case flags(UInt8)
        case noPayload
        case badChecksum
        /// A PSH segment with nothing to join: it could not grow anyway.
        case pushedAlone
    }

    private enum Classification {
        case candidate(FrameLayout)
        case pass(PassReason)
    }

    public let virtioHeaderSize: Int
    /// Largest IP packet built (the IPv4 total length field's limit).
    static let maxIPLength = 65535
    static let tcpACK: UInt8 = 0x10
    static let tcpPSH: UInt8 = 0x08

    private let storage: UnsafeMutableRawBufferPointer
    private let zeroHeader: UnsafeMutableRawBufferPointer

    // The pending flow (frameLength == 0: none).
    private var frameLength = 0
    private var segments = 0
    private var gsoSize = 0
    private var nextSequence: UInt32 = 0
    private var pendingIPv6 = false
    private var pendingTCPHeader = 0
    private var pendingPSH = false

    /// `virtioHeaderSize`: 10, or 12 when the TAP was set up with TUNSETVNETHDRSZ 12.
    public init(virtioHeaderSize: Int = VirtioNetHeader.size) {
        precondition(virtioHeaderSize == VirtioNetHeader.size || virtioHeaderSize == VirtioNetHeader.sizeWithBuffers,
                     "virtio-net header size is 10 or 12")
        self.virtioHeaderSize = virtioHeaderSize
        storage = .allocate(byteCount: virtioHeaderSize + FrameLayout.ethernetLength + Self.maxIPLength, alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        zeroHeader = .allocate(byteCount: virtioHeaderSize, alignment: 16)
        zeroHeader.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        storage.deallocate()
        zeroHeader.deallocate()
    }

    /// Whether a super-frame is being built.
    public var hasPending: Bool { frameLength > 0 }

    /// Offers the next frame received from a peer. Emits, in order, whatever must be written before or with it.
    @discardableResult
    public func offer(_ frame: UnsafeRawBufferPointer,
                      emit: (_ virtioHeader: UnsafeRawBufferPointer, _ frame: UnsafeRawBufferPointer) -> Void) -> Outcome {
        let layout: FrameLayout
        switch classify(frame) {
        case .pass(let reason):
            flush(emit: emit)
            emit(UnsafeRawBufferPointer(zeroHeader), frame)
            return .passedThrough(reason)
        case .candidate(let l):
            layout = l
        }
        let flags = frame[layout.transportOffset + 13]
        let payload = layout.payloadLength
        if frameLength > 0 && extendsPending(frame, layout, payload: payload) {
            append(frame, layout, payload: payload, flags: flags)
            let full = frameLength - FrameLayout.ethernetLength + gsoSize > Self.maxIPLength
            if flags & Self.tcpPSH != 0 || payload < gsoSize || full {
                flush(emit: emit)
                return .mergedAndFlushed
            }
            return .merged
        }
        flush(emit: emit)
        if flags & Self.tcpPSH != 0 {
            emit(UnsafeRawBufferPointer(zeroHeader), frame)
            return .passedThrough(.pushedAlone)
        }
        hold(frame, layout, payload: payload)
        return .held
    }

    /// Emits the pending super-frame, if any (call at the end of each batch of received frames).
    public func flush(emit: (_ virtioHeader: UnsafeRawBufferPointer, _ frame: UnsafeRawBufferPointer) -> Void) {
        guard frameLength > 0 else { return }
        defer { frameLength = 0 }
        let header = UnsafeRawBufferPointer(rebasing: storage[..<virtioHeaderSize])
        let frame = UnsafeMutableRawBufferPointer(rebasing: storage[virtioHeaderSize..<(virtioHeaderSize + frameLength)])
        guard segments > 1 else {
            // A lone segment goes out exactly as it came.
            emit(UnsafeRawBufferPointer(zeroHeader), UnsafeRawBufferPointer(frame))
            return
        }
        let ip = FrameLayout.ethernetLength
        let ipHeader = pendingIPv6 ? 40 : 20
        let l4 = ip + ipHeader
        if pendingIPv6 {
            frame.storeBE16(UInt16(truncatingIfNeeded: frameLength - l4), at: ip + 4)
        } else {
            frame.storeBE16(UInt16(truncatingIfNeeded: frameLength - ip), at: ip + 2)
            frame.storeBE16(0, at: ip + 10)
            let sum = InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: frame[ip..<l4]))
            InternetChecksum.store(InternetChecksum.finish(sum), in: frame, at: ip + 10)
        }
        if pendingPSH { frame[l4 + 13] |= Self.tcpPSH }
        // NEEDS_CSUM: the field holds the folded pseudo-header sum only, not complemented.
        let pseudo: UInt64
        if pendingIPv6 {
            pseudo = InternetChecksum.pseudoHeaderIPv6(addresses: UnsafeRawBufferPointer(rebasing: frame[(ip + 8)..<(ip + 40)]),
                                                       proto: FrameLayout.tcp, length: frameLength - l4)
        } else {
            pseudo = InternetChecksum.pseudoHeaderIPv4(addresses: UnsafeRawBufferPointer(rebasing: frame[(ip + 12)..<(ip + 20)]),
                                                       proto: FrameLayout.tcp, length: frameLength - l4)
        }
        InternetChecksum.store(InternetChecksum.fold(pseudo), in: frame, at: l4 + 16)
        let virtio = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: pendingIPv6 ? .tcpv6 : .tcpv4,
                                     headerLength: UInt16(l4 + pendingTCPHeader), gsoSize: UInt16(truncatingIfNeeded: gsoSize),
                                     checksumStart: UInt16(l4), checksumOffset: 16)
        virtio.write(to: UnsafeMutableRawBufferPointer(rebasing: storage[..<virtioHeaderSize]), size: virtioHeaderSize)
        emit(header, UnsafeRawBufferPointer(frame))
    }

    /// Whether `frame` could take part in a merge at all, and its layout if so.
    private func classify(_ frame: UnsafeRawBufferPointer) -> Classification {
        let layout: FrameLayout
        do {
            layout = try FrameLayout(parsing: frame)
        } catch {
            return .pass(.unparsed(error))
        }
        guard layout.isTCP else { return .pass(.notTCP) }
        guard layout.isIPv6 || layout.ipHeaderLength == 20 else { return .pass(.ipv4Options) }
        guard layout.ipEnd == frame.count else { return .pass(.padded) }
        let flags = frame[layout.transportOffset + 13]
        guard flags == Self.tcpACK || flags == Self.tcpACK | Self.tcpPSH else { return .pass(.flags(flags)) }
        guard layout.payloadLength > 0 else { return .pass(.noPayload) }
        let ip = layout.ipOffset, l4 = layout.transportOffset
        if !layout.isIPv6 && InternetChecksum.fold(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: frame[ip..<l4]))) != 0xFFFF {
            return .pass(.badChecksum)
        }
        var sum = layout.pseudoHeaderSum(frame, length: layout.ipEnd - l4)
        sum = InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: frame[l4..<layout.ipEnd]), initial: sum)
        guard InternetChecksum.fold(sum) == 0xFFFF else { return .pass(.badChecksum) }
        return .candidate(layout)
    }

    private func extendsPending(_ frame: UnsafeRawBufferPointer, _ layout: FrameLayout, payload: Int) -> Bool {
        guard layout.isIPv6 == pendingIPv6, layout.transportHeaderLength == pendingTCPHeader,
              payload <= gsoSize, frameLength - FrameLayout.ethernetLength + payload <= Self.maxIPLength
        else { return false }
        let pending = UnsafeRawBufferPointer(rebasing: storage[virtioHeaderSize...])
        let ip = FrameLayout.ethernetLength, l4 = layout.transportOffset
        guard frame.be32(l4 + 4) == nextSequence else { return false }
        // Ethernet header.
        guard same(frame, pending, 0..<ip) else { return false }
        if layout.isIPv6 {
            // Version, traffic class, flow label; next header, hop limit, addresses.
            guard same(frame, pending, ip..<(ip + 4)), same(frame, pending, (ip + 6)..<l4) else { return false }
        } else {
            // TOS; flags/fragment (DF); TTL, protocol; addresses. Not the id, length or checksum.
            guard frame[ip + 1] == pending[ip + 1], same(frame, pending, (ip + 6)..<(ip + 10)),
                  same(frame, pending, (ip + 12)..<l4) else { return false }
        }
        // Ports; acknowledgment number and data offset; urgent pointer (meaningless without URG, but a
        // merge must not lose bytes); options.
        return same(frame, pending, l4..<(l4 + 4)) && same(frame, pending, (l4 + 8)..<(l4 + 13))
            && same(frame, pending, (l4 + 18)..<(l4 + layout.transportHeaderLength))
    }

    private func same(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return range.isEmpty }
        return memcmpBytes(pa + range.lowerBound, pb + range.lowerBound, range.count)
    }

    private func hold(_ frame: UnsafeRawBufferPointer, _ layout: FrameLayout, payload: Int) {
        guard let source = frame.baseAddress, let dest = storage.baseAddress else { return }
        (dest + virtioHeaderSize).copyMemory(from: source, byteCount: frame.count)
        frameLength = frame.count
        segments = 1
        gsoSize = payload
        pendingIPv6 = layout.isIPv6
        pendingTCPHeader = layout.transportHeaderLength
        pendingPSH = false
        nextSequence = frame.be32(layout.transportOffset + 4) &+ UInt32(truncatingIfNeeded: payload)
    }

    private func append(_ frame: UnsafeRawBufferPointer, _ layout: FrameLayout, payload: Int, flags: UInt8) {
        guard let source = frame.baseAddress, let dest = storage.baseAddress else { return }
        let start = dest + virtioHeaderSize
        (start + frameLength).copyMemory(from: source + layout.headersLength, byteCount: payload)
        // The newest window.
        (start + layout.transportOffset + 14).copyMemory(from: source + layout.transportOffset + 14, byteCount: 2)
        frameLength += payload
        segments += 1
        nextSequence &+= UInt32(truncatingIfNeeded: payload)
        if flags & Self.tcpPSH != 0 { pendingPSH = true }
    }
}

/// Byte equality without Foundation or Glibc (the fuzz build compiles this folder alone).
@inline(__always)
func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

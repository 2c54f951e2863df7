#if canImport(LinuxSystem)  // the fuzz builds compile InternetChecksum.swift into this module
import LinuxSystem
#endif
/// TSO/USO in software: splits a super-frame read from a TAP with offloads on into plain Ethernet frames
/// a TAP without offloads (a stock n2n peer's) accepts as they are, every checksum complete.
///
/// Supported: Ethernet II (no VLAN tag: `.vlanTagged`), IPv4 with or without options, IPv6 without
/// extension headers, TCP (gso TCPV4/TCPV6) and UDP (gso UDP_L4). Everything is checked before the
/// first byte is written, so a refused frame leaves the slots untouched.
public enum Segmenter {
    static let tcpFIN: UInt8 = 0x01
    static let tcpPSH: UInt8 = 0x08
    static let tcpCWR: UInt8 = 0x80

    /// How a super-frame will be cut (after every check `segment` makes, without writing anything).
    public struct Plan: Equatable, Sendable {
        public let layout: FrameLayout
        public let segmentCount: Int
        /// Length of the largest output frame.
        public let largestFrame: Int
    }

    /// Checks `frame` (the bytes after the virtio-net header) against `header` and says how it would be cut.
    /// A non-GSO frame is one segment of itself.
    public static func plan(_ frame: UnsafeRawBufferPointer, header: VirtioNetHeader) throws(OffloadError) -> Plan? {
        guard frame.count <= FrameLayout.ethernetLength + 65535 else { throw .frameTooLarge(frame.count) }
        try header.validate(frameLength: frame.count)
        if header.needsChecksum && header.checksumOffset & 1 != 0 {
            throw .checksumFieldMismatch(start: Int(header.checksumStart), offset: Int(header.checksumOffset))
        }
        guard header.gsoType != .none else { return nil }
        let layout = try FrameLayout(parsing: frame)
        switch header.gsoType {
        case .tcpv4: guard !layout.isIPv6 && layout.isTCP else { throw .gsoTypeMismatch(gsoType: header.gsoType.rawValue) }
        case .tcpv6: guard layout.isIPv6 && layout.isTCP else { throw .gsoTypeMismatch(gsoType: header.gsoType.rawValue) }
        case .udpL4: guard !layout.isTCP else { throw .gsoTypeMismatch(gsoType: header.gsoType.rawValue) }
        case .none, .udp: throw .unsupportedGSOType(header.gsoType.rawValue)
        }
        // A super-frame carries no Ethernet padding: the IP length must cover the whole frame.
        guard layout.ipEnd == frame.count else {
            throw .ipLengthMismatch(declared: layout.ipEnd - layout.ipOffset, available: frame.count - layout.ipOffset)
        }
        // The kernel reports the skb's linear length as hdr_len, which may include payload bytes
        // (wireguard-go notes the same), so it may exceed the real headers but never fall short of them.
        let headers = layout.headersLength
        guard Int(header.headerLength) >= headers else {
            throw .headerLengthMismatch(declared: Int(header.headerLength), actual: headers)
        }
        if header.needsChecksum {
            let field = layout.isTCP ? 16 : 6
            guard Int(header.checksumStart) == layout.transportOffset, Int(header.checksumOffset) == field else {
                throw .checksumFieldMismatch(start: Int(header.checksumStart), offset: Int(header.checksumOffset))
            }
        }
        let payload = layout.payloadLength
        let size = Int(header.gsoSize)
        let count = payload == 0 ? 1 : (payload + size - 1) / size
        return Plan(layout: layout, segmentCount: count, largestFrame: headers + min(size, payload))
    }

    /// Writes the frames of `frame` (the bytes after the virtio-net header `header`) into `slots`:
    /// a GSO super-frame as MTU-sized segments, a non-GSO frame as a copy (its partial checksum
    /// completed when NEEDS_CSUM is set). Returns the number of frames written.
    @discardableResult
    public static func segment<Slots: FrameSlots>(_ frame: UnsafeRawBufferPointer, header: VirtioNetHeader,
                                                   into slots: inout Slots) throws(OffloadError) -> Int {
        guard let plan = try plan(frame, header: header) else {
            guard slots.freeSlotCount >= 1 else { throw .tooManySegments(needed: 1, capacity: 0) }
            let out = slots.nextFreeSlot()
            guard out.count >= frame.count, slots.slotCapacity >= frame.count else {
                throw .slotTooSmall(needed: frame.count, capacity: min(out.count, slots.slotCapacity))
            }
            let copy = UnsafeMutableRawBufferPointer(rebasing: out[..<frame.count])
            if let base = frame.baseAddress, let dest = copy.baseAddress { dest.copyMemory(from: base, byteCount: frame.count) }
            if header.needsChecksum { completeValidated(copy, header: header) }
            slots.commitSlot(length: frame.count)
            return 1
        }
        guard plan.segmentCount <= slots.freeSlotCount else {
            throw .tooManySegments(needed: plan.segmentCount, capacity: slots.freeSlotCount)
        }
        guard plan.largestFrame <= slots.slotCapacity else {
            throw .slotTooSmall(needed: plan.largestFrame, capacity: slots.slotCapacity)
        }
        split(frame, plan: plan, gsoSize: Int(header.gsoSize), into: &slots)
        return plan.segmentCount
    }

    /// Completes a partial checksum (NEEDS_CSUM) in place: the ones' complement sum from csum_start to the
    /// end of the frame, over the pseudo-header sum already in the checksum field.
    public static func completeChecksum(_ frame: UnsafeMutableRawBufferPointer, header: VirtioNetHeader) throws(OffloadError) {
        guard header.needsChecksum else { return }
        try header.validate(frameLength: frame.count)
        guard header.checksumOffset & 1 == 0 else {
            throw .checksumFieldMismatch(start: Int(header.checksumStart), offset: Int(header.checksumOffset))
        }
        completeValidated(frame, header: header)
    }

    private static func completeValidated(_ frame: UnsafeMutableRawBufferPointer, header: VirtioNetHeader) {
        let start = Int(header.checksumStart)
        var value = InternetChecksum.finish(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: frame[start...])))
        // As the kernel's skb_checksum_help: 0 becomes 0xFFFF (same value in ones' complement; UDP needs it).
        if value == 0 { value = 0xFFFF }
        InternetChecksum.store(value, in: frame, at: start + Int(header.checksumOffset))
    }

    private static func split<Slots: FrameSlots>(_ frame: UnsafeRawBufferPointer, plan: Plan, gsoSize: Int,
                                                  into slots: inout Slots) {
        let layout = plan.layout
        let ip = layout.ipOffset, l4 = layout.transportOffset, headers = layout.headersLength
        let l4Header = layout.transportHeaderLength
        let ipID = frame.be16(ip + 4)
        let sequence = layout.isTCP ? frame.be32(l4 + 4) : 0
        let last = plan.segmentCount - 1
        guard let source = frame.baseAddress else { return }
        for i in 0...last {
            let start = headers + i * gsoSize
            let chunk = min(gsoSize, frame.count - start)
            let length = headers + chunk
            let out = UnsafeMutableRawBufferPointer(rebasing: slots.nextFreeSlot()[..<length])
            guard let dest = out.baseAddress else { return }
            dest.copyMemory(from: source, byteCount: headers)
            if chunk > 0 { (dest + headers).copyMemory(from: source + start, byteCount: chunk) }

            if layout.isIPv6 {
                out.storeBE16(UInt16(truncatingIfNeeded: l4Header + chunk), at: ip + 4)
            } else {
                out.storeBE16(UInt16(truncatingIfNeeded: layout.ipHeaderLength + l4Header + chunk), at: ip + 2)
                out.storeBE16(ipID &+ UInt16(truncatingIfNeeded: i), at: ip + 4)
                out.storeBE16(0, at: ip + 10)
                let sum = InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: out[ip..<l4]))
                InternetChecksum.store(InternetChecksum.finish(sum), in: out, at: ip + 10)
            }

            let checksumField: Int
            if layout.isTCP {
                out.storeBE32(sequence &+ UInt32(truncatingIfNeeded: i * gsoSize), at: l4 + 4)
                var flags = out[l4 + 13]
                if i != last { flags &= ~(tcpFIN | tcpPSH) }
                if i != 0 { flags &= ~tcpCWR }
                out[l4 + 13] = flags
                checksumField = l4 + 16
            } else {
                out.storeBE16(UInt16(truncatingIfNeeded: 8 + chunk), at: l4 + 4)
                checksumField = l4 + 6
            }
            out.storeBE16(0, at: checksumField)
            let readOnly = UnsafeRawBufferPointer(out)
            var sum = layout.pseudoHeaderSum(readOnly, length: l4Header + chunk)
            sum = InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: readOnly[l4...]), initial: sum)
            var value = InternetChecksum.finish(sum)
            if value == 0 && !layout.isTCP { value = 0xFFFF }  // UDP: 0 means "no checksum"
            InternetChecksum.store(value, in: out, at: checksumField)
            slots.commitSlot(length: length)
        }
    }
}

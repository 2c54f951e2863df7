import N2NWire

/// A bridged TAP and the overlay's MTU on the way out (issue 17 item 4): hosts behind the TAP are
/// reported to the control plane, frames to them stay home, and what would not fit the overlay is
/// answered (`OverlayMTU`) or has its SYN clamped.
extension EdgeDataPlane {
    /// The frame to send on (the original, or the plane's scratch copy with a clamped SYN); nil
    /// when it was consumed (counted).
    @inline(__always)
    func prepareForOverlay(_ frame: UnsafeRawBufferPointer, destination: MACAddress, now: Int64) -> UnsafeRawBufferPointer? {
        let source = MACAddress(loadingFrom: frame, at: 6)
        if source != configuration.mac && configuration.maxLocalHosts > 0 && !source.isGroup && !source.isZero {
            report(source, now: now, .localHost) { $0.localHostSeen(source, now: now) }
        }
        if !routing.localHosts.isEmpty && routing.localHosts.contains(destination) {
            statistics.countDrop(.txLocalHost)
            return nil
        }
        let mtu = configuration.overlayMTU
        if frame.count > mtu + OverlayMTU.ethernetLength, let reason = OverlayMTU.tooBig(frame, mtu: mtu) {
            statistics.countDrop(reason)
            answerTooBig(frame, reason, now: now)
            return nil
        }
        guard configuration.clampMSS, let field = OverlayMTU.mssField(frame, mtu: mtu) else { return frame }
        let copy = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<frame.count])
        copy.copyMemory(from: frame)
        OverlayMTU.clamp(copy, field)
        statistics.mssClampedTx &+= 1
        return UnsafeRawBufferPointer(copy)
    }

    /// Writes the ICMP answer for an oversized frame into the TAP, within the rate limit.
    func answerTooBig(_ frame: UnsafeRawBufferPointer, _ reason: DropReason, now: Int64) {
        if now - icmpWindowStart >= 1_000_000_000 {
            icmpWindowStart = now
            icmpInWindow = 0
        }
        guard icmpInWindow < Self.icmpPerSecond else { return }
        icmpInWindow += 1
        let mtu = configuration.overlayMTU
        frames.writeFrame { slot in OverlayMTU.writeAnswer(to: frame, reason, mtu: mtu, into: slot) }
    }
}

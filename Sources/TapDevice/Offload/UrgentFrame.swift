/// Which frames read from the TAP go out ahead of the bulk read with them (issue 18): a ping, an
/// ARP or neighbour query, a small UDP datagram or a pure TCP ACK must not wait while the
/// super-frames of a bulk flow read in the same round are cut, sealed and sent. Only frames whose
/// early departure cannot hurt qualify: a TCP segment with data or with SYN/FIN/RST keeps its place,
/// so no TCP flow sees its data or its state changes reordered.
public enum UrgentFrame {
    /// The largest frame that can qualify.
    public static let maxLength = 256

    public static func qualifies(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard frame.count <= maxLength else { return false }
        if frame.count >= 14, frame.be16(12) == 0x0806 { return true }   // ARP
        do throws(OffloadError) {
            let layout = try FrameLayout(parsing: frame)
            guard layout.isTCP else { return true }                    // UDP (FrameLayout takes TCP or UDP only)
            let flags = frame[layout.transportOffset + 13]
            return layout.payloadLength == 0 && flags & 0x07 == 0        // no FIN, SYN or RST
        } catch {
            return icmp(frame)
        }
    }

    /// ICMP and ICMPv6 (which FrameLayout does not parse).
    private static func icmp(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard frame.count >= 14 + 20 else { return false }
        switch frame.be16(12) {
        case 0x0800: return frame[14 + 9] == 1
        case 0x86DD: return frame.count >= 14 + 40 && frame[14 + 6] == 58
        default: return false
        }
    }
}

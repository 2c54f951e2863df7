import N2NWire

/// The Ethernet-frame checks of spec 5.6 (TX) and 5.7 (RX), on raw frame bytes.
public enum EdgeFrameFilters {
    public static let ethernetHeaderLength = 14
    /// Ethernet header + minimal IPv4 header: the routing filters read no further (spec 10.1 item 8).
    public static let minIPv4FrameLength = 34
    static let etherTypeIPv4: UInt16 = 0x0800

    static func destination(_ frame: UnsafeRawBufferPointer) -> MACAddress {
        MACAddress(loadingFrom: frame, at: 0)
    }

    static func etherType(_ frame: UnsafeRawBufferPointer) -> UInt16 {
        UInt16(frame[12]) << 8 | UInt16(frame[13])
    }

    static func ipv4(_ frame: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(frame[offset]) << 24 | UInt32(frame[offset + 1]) << 16 | UInt32(frame[offset + 2]) << 8 | UInt32(frame[offset + 3])
    }

    /// What `-E` lets through: IPv6 multicast (33:33:…) and IPv4 multicast (01:00:5E:00-7F:…).
    /// Broadcast and other group addresses are not "multicast" here. Needs >= 14 bytes.
    public static func isFilteredMulticast(_ frame: UnsafeRawBufferPointer) -> Bool {
        destination(frame).isFilteredMulticast
    }

    /// TX routing filter (spec 5.6 step 3): true when the frame must be dropped. IPv4 frames are
    /// checked only when long enough to hold an IPv4 header; shorter ones are malformed and dropped.
    public static func txIsRouted(_ frame: UnsafeRawBufferPointer, ownIPv4: UInt32) -> Bool {
        guard etherType(frame) == etherTypeIPv4 else { return false }
        guard frame.count >= minIPv4FrameLength else { return true }
        return ipv4(frame, at: 26) != ownIPv4
    }

    /// An IPv4 UDP datagram to n2n's local-discovery group 224.0.0.68, port 1968 (spec 5.8), whatever
    /// the IP header's options. Frames too short to hold the UDP ports are not discovery.
    public static func isLocalDiscovery(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard frame.count >= minIPv4FrameLength, etherType(frame) == etherTypeIPv4,
              frame[23] == 17, ipv4(frame, at: 30) == 0xE000_0044 else { return false }
        let udp = ethernetHeaderLength + Int(frame[14] & 0x0F) * 4
        guard frame[14] >> 4 == 4, udp + 4 <= frame.count else { return false }
        return UInt16(frame[udp + 2]) << 8 | UInt16(frame[udp + 3]) == 1968
    }

    /// RX routing filter (spec 5.7 PACKET step 7): true when the frame must be dropped. Applies to
    /// non-multicast IPv4 frames of at least 34 bytes; broadcast frames are accepted.
    public static func rxIsRouted(_ frame: UnsafeRawBufferPointer, ownIPv4: UInt32) -> Bool {
        guard frame.count >= minIPv4FrameLength, etherType(frame) == etherTypeIPv4 else { return false }
        let dst = destination(frame)
        if dst.isFilteredMulticast || dst.isBroadcast { return false }
        return ipv4(frame, at: 30) != ownIPv4
    }
}

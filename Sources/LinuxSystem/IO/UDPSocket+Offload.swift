import CN2NLinux
import Glibc

/// UDP segmentation and coalescing (GSO/GRO) and per-datagram TTL reports. The per-datagram
/// options themselves travel in the batch's control messages (`DatagramBatch.setSegmentSize`,
/// `setTimeToLive`, `segmentSize`, `receivedTimeToLive`).
extension UDPSocket {
    /// UDP_GRO: let the kernel hand over several datagrams of one flow as one buffer, reported
    /// with their segment size (`DatagramBatch.segmentSize`). Size the receive batch's
    /// `datagramCapacity` for it (up to 64 KiB), or coalesced datagrams arrive truncated.
    public func setGenericReceiveOffload(_ on: Bool) throws(Errno) {
        try setOption(cn2n_SOL_UDP, cn2n_UDP_GRO, on ? 1 : 0, "setsockopt(UDP_GRO)")
    }

    /// Whether this kernel knows UDP_SEGMENT (Linux 4.18+): asks for the socket's segment size
    /// once per call, so call it once and keep the answer. A device or route may still refuse a
    /// segmented send: a message the caller segmented (`setSegmentSize`) is then counted in
    /// `statistics.sendErrors`; with `segmentsSends` the batch falls back to plain datagrams.
    public var supportsSegmentationOffload: Bool {
        (try? option(cn2n_SOL_UDP, cn2n_UDP_SEGMENT, "getsockopt(UDP_SEGMENT)")) != nil
    }

    /// IP_RECVTTL (and IPV6_RECVHOPLIMIT on an IPv6 socket): report each received datagram's TTL
    /// (`DatagramBatch.receivedTimeToLive`).
    public func setReceiveTimeToLive(_ on: Bool) throws(Errno) {
        if family == .ipv6 {
            try setOption(Int32(IPPROTO_IPV6), IPV6_RECVHOPLIMIT, on ? 1 : 0, "setsockopt(IPV6_RECVHOPLIMIT)")
        }
        try setOption(Int32(IPPROTO_IP), IP_RECVTTL, on ? 1 : 0, "setsockopt(IP_RECVTTL)")
    }
}

import CN2NLinux

/// How the queues of a TAP interface are opened. The kernel keeps one flag set per device and
/// refuses a queue whose flags differ, so every queue of an interface is opened from the same
/// options (`TapInterface` stores them and reuses them in `attachQueue()`).
public struct TapOptions: Hashable, Sendable {
    /// IFF_VNET_HDR: every frame read or written starts with a 10-byte `virtio_net_hdr`, which is
    /// what TUNSETOFFLOAD (checksum and segmentation offloads) needs. Off: plain Ethernet frames.
    /// Not used by the edge yet; it is the hook for the offload work.
    public var vnetHeader: Bool

    public init(vnetHeader: Bool = false) {
        self.vnetHeader = vnetHeader
    }

    /// Always IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE: multi-queue from the start, so that a queue
    /// can be replaced (attach the new one, then close the old) or more added for more workers.
    var flags: Int16 {
        var flags = cn2n_IFF_TAP | cn2n_IFF_NO_PI | cn2n_IFF_MULTI_QUEUE
        if vnetHeader { flags |= cn2n_IFF_VNET_HDR }
        return flags
    }
}

import LinuxSystem
import PacketCore

/// UDP GSO and GRO on the data-plane sockets (the main one and each worker's), on with the TAP
/// offloads and off with them (`--no-offload`): the kernel cuts and joins the very datagrams the
/// edge seals and opens, so the wire and stock n2n peers see no difference.
struct UDPOffloads: Sendable, Equatable {
    /// Sends: runs of equal-sized datagrams to one peer leave as one UDP_SEGMENT message.
    var segmentation = false
    /// Receives: UDP_GRO on, the receive batch sized for coalesced messages (`BatchSizes`).
    var coalescing = false

    /// Turns on what `socket`'s kernel supports; `coalescing: false` keeps UDP_GRO off (a worker
    /// whose batch was sized without it).
    static func enable(on socket: UDPSocket, wanted: Bool, coalescing: Bool = true) -> UDPOffloads {
        guard wanted else { return UDPOffloads() }
        var result = UDPOffloads()
        if socket.supportsSegmentationOffload {
            socket.segmentsSends = true
            result.segmentation = true
        }
        if coalescing, (try? socket.setGenericReceiveOffload(true)) != nil { result.coalescing = true }
        return result
    }

    var description: String {
        let on = [segmentation ? "gso" : nil, coalescing ? "gro" : nil].compactMap { $0 }
        return on.isEmpty ? "none accepted by the kernel" : on.joined(separator: " ")
    }
}

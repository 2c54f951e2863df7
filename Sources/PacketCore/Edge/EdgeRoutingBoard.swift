import N2NWire
import Synchronization

/// Where the control plane publishes the routing table for workers on other threads. A worker
/// checks the generation (one atomic load) and takes the lock only when a new table is there.
public final class EdgeRoutingBoard: Sendable {
    private let table: Mutex<EdgeRoutingTable>
    private let generation = Atomic<UInt64>(0)

    public init(_ initial: EdgeRoutingTable) {
        table = Mutex(initial)
        generation.store(initial.generation, ordering: .releasing)
    }

    public func publish(_ new: EdgeRoutingTable) {
        table.withLock { $0 = new }
        generation.store(new.generation, ordering: .releasing)
    }

    /// The newest table, or `held` itself when nothing newer was published.
    @inline(__always)
    public func current(comparedWith held: EdgeRoutingTable) -> EdgeRoutingTable {
        if generation.load(ordering: .acquiring) == held.generation { return held }
        return table.withLock { $0 }
    }
}

/// An `EdgeControlChannel` for workers on other threads: reports queue up under a lock (the
/// storage is reserved once and reused) and the control thread is woken to take them.
public final class QueuedControlChannel: EdgeControlChannel, Sendable {
    public enum Report: Sendable {
        case seen(MACAddress, PeerSocket, viaSupernode: Bool, now: Int64)
        case wanted(MACAddress, now: Int64)
        case probe(MACAddress, now: Int64)
        case localHost(MACAddress, now: Int64)
        case message(Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64)
        case messageV3(V3Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64)
    }

    private let reports: Mutex<[Report]>
    private let wake: @Sendable () -> Void
    /// Reports beyond this are dropped (they recur, and the control thread is behind anyway).
    public let capacity: Int
    private let dropped = Atomic<Int>(0)

    public init(capacity: Int = 4096, wake: @escaping @Sendable () -> Void) {
        self.capacity = capacity
        var storage: [Report] = []
        storage.reserveCapacity(capacity)
        reports = Mutex(storage)
        self.wake = wake
    }

    public var droppedReports: Int { dropped.load(ordering: .relaxed) }

    private func post(_ report: Report) {
        let first = reports.withLock { queue -> Bool? in
            guard queue.count < capacity else { return nil }
            queue.append(report)
            return queue.count == 1
        }
        switch first {
        case nil: dropped.add(1, ordering: .relaxed)
        case true?: wake()
        case false?: break
        }
    }

    public func peerSeen(_ mac: MACAddress, sock: PeerSocket, viaSupernode: Bool, now: Int64) {
        post(.seen(mac, sock, viaSupernode: viaSupernode, now: now))
    }
    public func peerWanted(_ mac: MACAddress, now: Int64) { post(.wanted(mac, now: now)) }
    public func probeDue(_ mac: MACAddress, now: Int64) { post(.probe(mac, now: now)) }
    public func localHostSeen(_ mac: MACAddress, now: Int64) { post(.localHost(mac, now: now)) }
    public func controlMessage(_ message: Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        post(.message(message, viaSupernode: viaSupernode, source: source, stamp: stamp, now: now))
    }
    public func controlMessageV3(_ message: V3Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        post(.messageV3(message, viaSupernode: viaSupernode, source: source, stamp: stamp, now: now))
    }

    /// Hands every queued report to `control` (on the control plane's thread).
    public func deliver(to control: any EdgeControlChannel, scratch: inout [Report]) {
        reports.withLock { swap(&$0, &scratch) }
        for report in scratch {
            switch report {
            case let .seen(mac, sock, via, now): control.peerSeen(mac, sock: sock, viaSupernode: via, now: now)
            case let .wanted(mac, now): control.peerWanted(mac, now: now)
            case let .probe(mac, now): control.probeDue(mac, now: now)
            case let .localHost(mac, now): control.localHostSeen(mac, now: now)
            case let .message(message, via, source, stamp, now):
                control.controlMessage(message, viaSupernode: via, source: source, stamp: stamp, now: now)
            case let .messageV3(message, via, source, stamp, now):
                control.controlMessageV3(message, viaSupernode: via, source: source, stamp: stamp, now: now)
            }
        }
        scratch.removeAll(keepingCapacity: true)
    }
}

/// Identifies a scheduled timer. Stays invalid after the timer is cancelled or a one-shot
/// timer has fired, even when its slot is reused.
public struct TimerID: Hashable, Sendable {
    let slot: UInt32
    let generation: UInt32
}

/// An object that handles timer expiry (the alternative to a closure).
public protocol TimerHandler: AnyObject {
    func timerFired(_ timer: TimerID)
}

/// Deadlines in a binary min-heap ordered by (deadline, scheduling order), with timer state
/// in reusable slots. Cancelling leaves a stale heap entry that is skipped when it surfaces.
/// Arrays only grow when more timers exist at once than ever before, so steady firing and
/// rescheduling do not allocate.
struct TimerQueue {
    struct Slot {
        var action: (() -> Void)?
        /// Kept beside `action` because `action != nil` reabstracts the closure for the
        /// generic comparison, which allocates in unoptimised builds.
        var isActive = false
        var deadline: UInt64 = 0
        var interval: UInt64 = 0
        var generation: UInt32 = 0
    }

    struct Entry {
        var deadline: UInt64
        var sequence: UInt64
        var slot: UInt32
        var generation: UInt32
    }

    private(set) var slots: [Slot] = []
    private var freeSlots: [UInt32] = []
    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0
    private(set) var activeCount = 0

    init() {
        slots.reserveCapacity(64)
        freeSlots.reserveCapacity(64)
        heap.reserveCapacity(128)
    }

    mutating func schedule(deadline: UInt64, interval: UInt64, action: @escaping () -> Void) -> TimerID {
        let index: UInt32
        if let free = freeSlots.popLast() {
            index = free
        } else {
            index = UInt32(slots.count)
            slots.append(Slot())
        }
        slots[Int(index)].action = action
        slots[Int(index)].isActive = true
        slots[Int(index)].deadline = deadline
        slots[Int(index)].interval = interval
        activeCount += 1
        let id = TimerID(slot: index, generation: slots[Int(index)].generation)
        push(deadline: deadline, slot: index, generation: id.generation)
        return id
    }

    func isActive(_ id: TimerID) -> Bool {
        Int(id.slot) < slots.count && slots[Int(id.slot)].generation == id.generation
            && slots[Int(id.slot)].isActive
    }

    func deadline(of id: TimerID) -> UInt64? {
        isActive(id) ? slots[Int(id.slot)].deadline : nil
    }

    @discardableResult
    mutating func cancel(_ id: TimerID) -> Bool {
        guard isActive(id) else { return false }
        release(Int(id.slot))
        return true
    }

    @discardableResult
    mutating func reschedule(_ id: TimerID, deadline: UInt64) -> Bool {
        guard isActive(id) else { return false }
        if slots[Int(id.slot)].deadline != deadline {
            slots[Int(id.slot)].deadline = deadline
            push(deadline: deadline, slot: id.slot, generation: id.generation)
        }
        return true
    }

    /// The earliest live deadline, dropping stale entries on the way.
    mutating func nextDeadline() -> UInt64? {
        while let top = heap.first {
            if isLive(top) { return top.deadline }
            popTop()
        }
        return nil
    }

    /// The sequence number the next scheduled entry will get; entries at or past it were
    /// pushed after this moment.
    var sequenceMark: UInt64 { nextSequence }

    /// Removes the earliest live entry if it is due by `now` and was pushed before `mark`,
    /// re-arms it if it repeats, and returns its action for the caller to run.
    mutating func popDue(now: UInt64, before mark: UInt64) -> (TimerID, () -> Void)? {
        while let top = heap.first {
            guard isLive(top) else {
                popTop()
                continue
            }
            guard top.deadline <= now, top.sequence < mark else { return nil }
            popTop()
            let index = Int(top.slot)
            let id = TimerID(slot: top.slot, generation: top.generation)
            guard let action = slots[index].action else { continue }
            let interval = slots[index].interval
            if interval > 0 {
                var next = top.deadline &+ interval
                if next <= now { next = now &+ interval }  // fell behind: skip, don't burst
                slots[index].deadline = next
                push(deadline: next, slot: top.slot, generation: top.generation)
            } else {
                release(index)
            }
            return (id, action)
        }
        return nil
    }

    private func isLive(_ entry: Entry) -> Bool {
        let slot = slots[Int(entry.slot)]
        return slot.generation == entry.generation && slot.isActive && slot.deadline == entry.deadline
    }

    private mutating func release(_ index: Int) {
        slots[index].action = nil
        slots[index].isActive = false
        slots[index].generation &+= 1
        freeSlots.append(UInt32(index))
        activeCount -= 1
    }

    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }

    private mutating func push(deadline: UInt64, slot: UInt32, generation: UInt32) {
        // Timers re-armed on every packet would otherwise pile up stale entries.
        if heap.count >= 2 * activeCount + 64 { compact() }
        heap.append(Entry(deadline: deadline, sequence: nextSequence, slot: slot, generation: generation))
        nextSequence &+= 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard TimerQueue.precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Drops stale entries and restores the heap order, in place.
    private mutating func compact() {
        let slots = self.slots
        heap.removeAll { entry in
            let slot = slots[Int(entry.slot)]
            return !(slot.generation == entry.generation && slot.isActive && slot.deadline == entry.deadline)
        }
        var start = heap.count / 2 - 1
        while start >= 0 {
            siftDown(from: start)
            start -= 1
        }
    }

    private mutating func siftDown(from index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            var smallest = left
            if left + 1 < heap.count && TimerQueue.precedes(heap[left + 1], heap[left]) { smallest = left + 1 }
            guard TimerQueue.precedes(heap[smallest], heap[parent]) else { break }
            heap.swapAt(smallest, parent)
            parent = smallest
        }
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(from: 0)
    }
}

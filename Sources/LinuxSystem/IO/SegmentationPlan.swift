/// Which datagrams of a send batch travel in which `sendmmsg` message. Without segmentation every
/// datagram is a message of its own, in batch order. With segmentation (UDP GSO, `UDP_SEGMENT`)
/// datagrams of one size to one destination share a message: the kernel cuts it back into the
/// very same datagrams, so the wire does not change, but the stack is walked once per message.
///
/// Rules (what the kernel accepts, and what keeps the wire's order per peer):
/// - a message takes datagrams to one destination, all `size` bytes long but the last, which
///   may be shorter and then closes the message;
/// - at most `maxSegments` datagrams and `maxBytes` bytes per message;
/// - datagrams to one destination keep their order: a destination has at most one open message,
///   and a datagram that cannot join it (longer, or not mergeable) closes it first, so every
///   later datagram to that destination goes in a later message;
/// - messages go out in the order of their first datagram (datagrams to different destinations
///   may overtake each other, which UDP never promised to keep anyway).
///
/// All storage is allocated in `init`; `plan` and `sendPlainly` only write it.
final class SegmentationPlan {
    /// UDP_MAX_SEGMENTS in the kernel.
    static let maxSegments = DatagramBatch.maxSegmentsPerSend
    /// The largest UDP payload of an IPv4 datagram without options (65535 - 20 - 8); an IPv6 one
    /// may carry 20 bytes more. One GSO message is one such payload before it is cut.
    static let maxBytes = 65_507

    let capacity: Int
    /// The datagram at place p of the send order: message m sends
    /// `members[starts[m] ..< starts[m] + counts[m]]`.
    let members: UnsafeMutablePointer<Int>
    let starts: UnsafeMutablePointer<Int>
    let counts: UnsafeMutablePointer<Int>
    /// The segment size of a message of several datagrams (the first one's length).
    let sizes: UnsafeMutablePointer<Int>
    /// Scratch: each message's first datagram and byte total, each datagram's message, the open
    /// messages (at most one per destination) and the fill cursors of the layout pass.
    let firsts: UnsafeMutablePointer<Int>
    let bytes: UnsafeMutablePointer<Int>
    let messageOf: UnsafeMutablePointer<Int>
    let open: UnsafeMutablePointer<Int>
    /// Messages 0..<messageCount are planned for datagrams 0..<datagramCount.
    private(set) var messageCount = 0
    private(set) var datagramCount = 0

    init(capacity: Int) {
        self.capacity = capacity
        func array() -> UnsafeMutablePointer<Int> {
            let pointer = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
            pointer.initialize(repeating: 0, count: capacity)
            return pointer
        }
        members = array()
        starts = array()
        counts = array()
        sizes = array()
        firsts = array()
        bytes = array()
        messageOf = array()
        open = array()
    }

    deinit {
        for pointer in [members, starts, counts, sizes, firsts, bytes, messageOf, open] { pointer.deallocate() }
    }

    /// Plans datagrams 0..<count. `length(i)` is datagram i's size, `mergeable(i)` whether it may
    /// share a message (no per-datagram options of its own), `sameDestination(i, j)` whether two
    /// datagrams go to one socket address. Returns the number of messages.
    @discardableResult
    func plan(count: Int, segmenting: Bool, length: (Int) -> Int, mergeable: (Int) -> Bool,
              sameDestination: (Int, Int) -> Bool) -> Int {
        precondition(count >= 0 && count <= capacity, "more datagrams than the plan holds")
        datagramCount = count
        messageCount = 0
        guard segmenting else {
            for i in 0..<count {
                members[i] = i
                starts[i] = i
                counts[i] = 1
                sizes[i] = 0
            }
            messageCount = count
            return count
        }
        var openCount = 0
        for i in 0..<count {
            let size = length(i)
            let canMerge = size > 0 && size <= Int(UInt16.max) && mergeable(i)
            var found = -1
            for o in 0..<openCount where sameDestination(firsts[open[o]], i) {
                found = o
                break
            }
            if found >= 0 {
                let m = open[found]
                if canMerge && size <= sizes[m] && bytes[m] + size <= Self.maxBytes {
                    messageOf[i] = m
                    counts[m] += 1
                    bytes[m] += size
                    // A shorter datagram is the last segment; 64 is the kernel's limit.
                    if size < sizes[m] || counts[m] == Self.maxSegments {
                        openCount -= 1
                        open[found] = open[openCount]
                    }
                    continue
                }
                // i may not join, and no later datagram to this destination may overtake it.
                openCount -= 1
                open[found] = open[openCount]
            }
            let m = messageCount
            messageCount += 1
            messageOf[i] = m
            firsts[m] = i
            counts[m] = 1
            sizes[m] = size
            bytes[m] = size
            if canMerge {
                open[openCount] = m
                openCount += 1
            }
        }
        // Lay the members out message by message, each message's datagrams in batch order.
        var place = 0
        for m in 0..<messageCount {
            starts[m] = place
            bytes[m] = place  // now the message's fill cursor
            place += counts[m]
        }
        for i in 0..<count {
            let m = messageOf[i]
            members[bytes[m]] = i
            bytes[m] += 1
        }
        for m in 0..<messageCount where counts[m] == 1 { sizes[m] = 0 }
        return messageCount
    }

    /// The first datagram of message m.
    func first(_ m: Int) -> Int { members[starts[m]] }

    /// Whether message m carries several datagrams (and so a UDP_SEGMENT size).
    func isSegmented(_ m: Int) -> Bool { counts[m] > 1 }

    /// Datagrams in messages `from..<to` (to may be `messageCount`).
    func datagrams(from: Int, to: Int) -> Int {
        guard from < to else { return 0 }
        let end = to < messageCount ? starts[to] : datagramCount
        return end - starts[from]
    }

    /// Replaces messages `m..<messageCount` with one message per datagram, in the same order
    /// (after the kernel refused a segmented send). Returns the message to continue at; the
    /// members do not move, so message p then sends `members[p]`.
    func sendPlainly(from m: Int) -> Int {
        let resume = starts[m]
        for p in resume..<datagramCount {
            starts[p] = p
            counts[p] = 1
            sizes[p] = 0
        }
        messageCount = datagramCount
        return resume
    }
}

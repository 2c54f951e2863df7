import Testing
@testable import LinuxSystem

/// Grouping for UDP GSO: which datagrams of a batch share a sendmmsg message. Datagrams are
/// described by (destination, length, mergeable); `messages` is the plan as lists of datagram
/// indices with their segment size (nil: a message of one datagram, no UDP_SEGMENT).
private func messages(_ datagrams: [(to: Int, length: Int, mergeable: Bool)], segmenting: Bool = true)
    -> [(members: [Int], size: Int?)] {
    let plan = SegmentationPlan(capacity: max(datagrams.count, 1))
    let n = plan.plan(count: datagrams.count, segmenting: segmenting,
                      length: { datagrams[$0].length }, mergeable: { datagrams[$0].mergeable },
                      sameDestination: { datagrams[$0].to == datagrams[$1].to })
    #expect(n == plan.messageCount)
    return (0..<n).map { m in
        let members = (plan.starts[m]..<plan.starts[m] + plan.counts[m]).map { plan.members[$0] }
        return (members, plan.isSegmented(m) ? plan.sizes[m] : nil)
    }
}

private func plain(_ pairs: [(Int, Int)]) -> [(to: Int, length: Int, mergeable: Bool)] {
    pairs.map { (to: $0.0, length: $0.1, mergeable: true) }
}

/// Per destination, the datagrams in the order the plan sends them (message order, then within).
private func orderPerDestination(_ plan: [(members: [Int], size: Int?)], _ destinations: [Int]) -> [Int: [Int]] {
    var order: [Int: [Int]] = [:]
    for message in plan { for d in message.members { order[destinations[d], default: []].append(d) } }
    return order
}

@Suite struct SegmentationPlanTests {
    @Test func equalSizesToOneDestinationShareAMessage() {
        let plan = messages(plain([(1, 1400), (1, 1400), (1, 1400)]))
        #expect(plan.map(\.members) == [[0, 1, 2]])
        #expect(plan.map(\.size) == [1400])
    }

    @Test func aShorterLastDatagramJoinsAndClosesTheMessage() {
        let plan = messages(plain([(1, 1400), (1, 1400), (1, 600), (1, 1400), (1, 1400)]))
        #expect(plan.map(\.members) == [[0, 1, 2], [3, 4]])
        #expect(plan.map(\.size) == [1400, 1400])
    }

    @Test func aLongerDatagramStartsANewMessage() {
        let plan = messages(plain([(1, 600), (1, 1400), (1, 1400)]))
        #expect(plan.map(\.members) == [[0], [1, 2]])
        #expect(plan.map(\.size) == [nil, 1400])
    }

    @Test func destinationsAreGroupedApartEvenWhenInterleaved() {
        let plan = messages(plain([(1, 1400), (2, 1400), (1, 1400), (2, 1400), (3, 100), (1, 1400)]))
        #expect(plan.map(\.members) == [[0, 2, 5], [1, 3], [4]])
        #expect(plan.map(\.size) == [1400, 1400, nil])
    }

    @Test func atMostSixtyFourSegments() {
        let plan = messages(plain(Array(repeating: (7, 1000), count: 130)))
        #expect(plan.map(\.members.count) == [64, 64, 2])
        #expect(plan.flatMap(\.members) == Array(0..<130))
    }

    @Test func lessThanSixtyFourKiBPerMessage() {
        // 46 x 1400 = 64400 fits 65507; 47 would not.
        let plan = messages(plain(Array(repeating: (1, 1400), count: 50)))
        #expect(plan.map(\.members.count) == [46, 4])
        for message in plan { #expect(message.members.count * 1400 <= SegmentationPlan.maxBytes) }
        // Datagrams of 30000: two per message at most.
        #expect(messages(plain([(1, 30000), (1, 30000), (1, 30000)])).map(\.members) == [[0, 1], [2]])
    }

    @Test func datagramsWithOptionsTravelAloneAndCloseTheirDestinationsMessage() {
        var datagrams = plain([(1, 1400), (1, 1400), (1, 1400), (1, 1400), (2, 1400)])
        datagrams[2].mergeable = false  // e.g. a TTL of its own
        let plan = messages(datagrams)
        // 3 may not join 0's message: it would overtake 2.
        #expect(plan.map(\.members) == [[0, 1], [2], [3], [4]])
        #expect(plan.map(\.size) == [1400, nil, nil, nil])
    }

    @Test func emptyDatagramsAreNeverMerged() {
        #expect(messages(plain([(1, 0), (1, 0)])).map(\.members) == [[0], [1]])
    }

    @Test func withoutSegmentationEveryDatagramIsAMessageInBatchOrder() {
        let plan = messages(plain([(1, 1400), (1, 1400), (2, 1400)]), segmenting: false)
        #expect(plan.map(\.members) == [[0], [1], [2]])
        #expect(plan.allSatisfy { $0.size == nil })
    }

    @Test func neverReordersDatagramsToOneDestination() {
        // A pseudo-random mix of destinations, sizes and options: per destination the send
        // order is the batch order, and every datagram is sent exactly once.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int(seed >> 33) % bound
        }
        for _ in 0..<200 {
            let count = 1 + next(64)
            let datagrams = (0..<count).map { _ in
                (to: next(4), length: [1400, 1400, 1400, 700, 64, 0][next(6)], mergeable: next(8) != 0)
            }
            let plan = messages(datagrams)
            #expect(plan.flatMap(\.members).sorted() == Array(0..<count))
            for (destination, order) in orderPerDestination(plan, datagrams.map(\.to)) {
                #expect(order == order.sorted(), "destination \(destination)")
            }
            for message in plan {
                #expect(Set(message.members.map { datagrams[$0].to }).count == 1)
                #expect(message.members.count <= SegmentationPlan.maxSegments)
                #expect(message.members.map { datagrams[$0].length }.reduce(0, +) <= SegmentationPlan.maxBytes)
                if let size = message.size {
                    let lengths = message.members.map { datagrams[$0].length }
                    #expect(lengths.dropLast().allSatisfy { $0 == size } && lengths.last! <= size)
                    #expect(message.members.allSatisfy { datagrams[$0].mergeable })
                }
            }
        }
    }

    @Test func sendingPlainlyFromAMessageKeepsTheRestInOrder() {
        let datagrams = plain([(1, 1400), (2, 1400), (1, 1400), (2, 1400), (1, 500)])
        let plan = SegmentationPlan(capacity: 8)
        plan.plan(count: 5, segmenting: true, length: { datagrams[$0].length }, mergeable: { _ in true },
                  sameDestination: { datagrams[$0].to == datagrams[$1].to })
        // Messages: [0, 2, 4], [1, 3]. The kernel refused the first one.
        #expect(plan.messageCount == 2 && plan.isSegmented(0))
        let resume = plan.sendPlainly(from: 0)
        #expect(resume == 0 && plan.messageCount == 5)
        #expect((0..<5).map { plan.first($0) } == [0, 2, 4, 1, 3])
        #expect((0..<5).allSatisfy { !plan.isSegmented($0) })
        #expect(plan.datagrams(from: 2, to: 5) == 3)
    }
}

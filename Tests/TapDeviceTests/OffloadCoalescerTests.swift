import LinuxSystem
import Testing
@testable import TapDevice

/// One write the coalescer asked for: the virtio-net header bytes and the frame.
struct Emitted: Equatable {
    var header: [UInt8]
    var frame: [UInt8]
}

func offerAll(_ c: Coalescer, _ frames: [[UInt8]], flush: Bool = true) -> ([Coalescer.Outcome], [Emitted]) {
    var out: [Emitted] = []
    var outcomes: [Coalescer.Outcome] = []
    for f in frames {
        outcomes.append(f.withUnsafeBytes { raw in c.offer(raw) { h, fr in out.append(Emitted(header: Array(h), frame: Array(fr))) } })
    }
    if flush { c.flush { h, fr in out.append(Emitted(header: Array(h), frame: Array(fr))) } }
    return (outcomes, out)
}

/// `count` in-order segments of one flow, consecutive IPv4 ids, PSH on the last if `push`.
func flowSegments(_ count: Int, size: Int = 1400, v6: Bool = false, push: Bool = true, lastSize: Int? = nil,
                  options: [UInt8] = timestampOption(100, 200)) -> [TestPacket] {
    var seq: UInt32 = 0xFFFF_0000
    return (0..<count).map { i in
        let n = i == count - 1 ? (lastSize ?? size) : size
        var p = TestPacket(v6: v6, seq: seq, flags: tcpACK | (push && i == count - 1 ? tcpPSH : 0), ipID: 0x4000 + i,
                           tcpOptions: options, payload: payloadBytes(n, seed: UInt8(i)))
        p.window = 1000
        seq &+= UInt32(n)
        return p
    }
}

let zeroVirtio = [UInt8](repeating: 0, count: 10)

/// Completes a NEEDS_CSUM super-frame's TCP checksum with the reference routine, then verifies it whole.
func completeAndVerify(_ e: Emitted, v6: Bool) throws -> (CheckedFrame, [UInt8]) {
    var f = e.frame
    let l4 = v6 ? 54 : 34
    let c = referenceChecksum(Array(f[l4...]))
    f[l4 + 16] = UInt8(c >> 8)
    f[l4 + 17] = UInt8(c & 0xFF)
    return (try verifyFrame(f), f)
}

@Suite struct OffloadCoalescerTests {
    @Test(arguments: [false, true])
    func inOrderSegmentsMergeIntoOneSuperFrame(v6: Bool) throws {
        let packets = flowSegments(10, v6: v6)
        let c = Coalescer()
        let (outcomes, out) = offerAll(c, packets.map { $0.build() }, flush: false)
        #expect(outcomes == [.held] + Array(repeating: .merged, count: 8) + [.mergedAndFlushed])
        #expect(!c.hasPending)
        try #require(out.count == 1)
        let l4 = v6 ? 54 : 34
        #expect(out[0].header == virtioBytes(flags: 1, gso: v6 ? 4 : 1, hdrLen: l4 + 32, gsoSize: 1400, csumStart: l4, csumOffset: 16))
        let (checked, complete) = try completeAndVerify(out[0], v6: v6)
        #expect(checked.payload == packets.flatMap(\.payload))
        #expect(checked.seq == packets[0].seq)
        #expect(checked.flags == tcpACK | tcpPSH)
        if !v6 { #expect(checked.ipID == 0x4000) }
        // The same bytes as the super-frame the sender would have had before segmentation.
        var whole = packets[0]
        whole.flags = tcpACK | tcpPSH
        whole.payload = packets.flatMap(\.payload)
        #expect(complete == whole.build())
        // And the segmenter cuts it back into exactly the frames offered.
        let header = try out[0].header.withUnsafeBytes { raw throws(OffloadError) in try VirtioNetHeader(parsing: raw) }
        #expect(try segmentFrame(out[0].frame, header) == packets.map { $0.build() })
    }

    @Test func twelveByteHeaderForMergeableBuffersTaps() throws {
        let c = Coalescer(virtioHeaderSize: 12)
        let (_, out) = offerAll(c, flowSegments(3).map { $0.build() } + [TestPacket(tcp: false, payload: [1]).build()])
        #expect(out.count == 2)
        #expect(out[0].header == virtioBytes(flags: 1, gso: 1, hdrLen: 66, gsoSize: 1400, csumStart: 34, csumOffset: 16) + [0, 0])
        #expect(out[1].header == [UInt8](repeating: 0, count: 12))
    }

    @Test func aShortSegmentEndsTheMergeAndALongerOneIsNotMerged() throws {
        let packets = flowSegments(4, push: false, lastSize: 500)
        var next = TestPacket(seq: packets[3].seq &+ 500, ipID: 9, tcpOptions: timestampOption(100, 200), payload: payloadBytes(1400))
        next.window = 1000
        let bigger = TestPacket(seq: next.seq &+ 1400, tcpOptions: timestampOption(100, 200), payload: payloadBytes(1500))
        let (outcomes, out) = offerAll(Coalescer(), packets.map { $0.build() } + [next.build(), bigger.build()])
        #expect(outcomes == [.held, .merged, .merged, .mergedAndFlushed, .held, .held])
        #expect(out.count == 3)
        #expect(try completeAndVerify(out[0], v6: false).0.payload.count == 3 * 1400 + 500)
        #expect(out[1] == Emitted(header: zeroVirtio, frame: next.build()))
        #expect(out[2] == Emitted(header: zeroVirtio, frame: bigger.build()))
    }

    @Test(arguments: [tcpFIN | tcpACK, tcpSYN | tcpACK, tcpRST | tcpACK, tcpURG | tcpACK, tcpECE | tcpACK, tcpCWR | tcpACK, 0])
    func noMergeAcrossAFlag(_ flags: UInt8) throws {
        var packets = flowSegments(4, push: false)
        packets[2].flags = flags
        let frames = packets.map { $0.build() }
        let (outcomes, out) = offerAll(Coalescer(), frames)
        #expect(outcomes == [.held, .merged, .passedThrough(.flags(flags)), .held])
        #expect(out.count == 3)
        #expect(try completeAndVerify(out[0], v6: false).0.payload == packets[0].payload + packets[1].payload)
        #expect(out[1] == Emitted(header: zeroVirtio, frame: frames[2]))
        #expect(out[2] == Emitted(header: zeroVirtio, frame: frames[3]))
    }

    @Test func noMergeAcrossAGapOrARetransmission() throws {
        let packets = flowSegments(5, push: false)
        let frames = packets.map { $0.build() }
        let (outcomes, out) = offerAll(Coalescer(), [frames[0], frames[1], frames[3], frames[2], frames[4]])
        #expect(outcomes == [.held, .merged, .held, .held, .held])
        #expect(out.map(\.frame).dropFirst() == [frames[3], frames[2], frames[4]])
        #expect(out.count == 4)
    }

    @Test func noMergeAcrossDifferentOptionsOrHeaders() throws {
        func variant(_ change: (inout TestPacket) -> Void) -> [Coalescer.Outcome] {
            var packets = flowSegments(3, push: false)
            change(&packets[1])
            let (outcomes, out) = offerAll(Coalescer(), packets.map { $0.build() })
            if outcomes.allSatisfy({ $0 == .held }) {
                #expect(out.map(\.frame) == packets.map { $0.build() }, "order and bytes kept")
            }
            return outcomes
        }
        let apart: [Coalescer.Outcome] = [.held, .held, .held]
        #expect(variant { $0.tcpOptions = timestampOption(101, 200) } == apart)  // TSval advanced
        #expect(variant { $0.tcpOptions = timestampOption(100, 201) } == apart)
        #expect(variant { $0.tcpOptions = [1, 1, 1, 1] + timestampOption(100, 200) } == apart)
        #expect(variant { $0.tcpOptions = [] } == apart)
        #expect(variant { $0.ack = 778 } == apart)
        #expect(variant { $0.ttl = 63 } == apart)
        #expect(variant { $0.tos = 0x01 } == apart)  // ECN bits
        #expect(variant { $0.dontFragment = false } == apart)
        #expect(variant { $0.srcPort = 40001 } == apart)
        #expect(variant { $0.srcIP = [10, 99, 0, 3] } == apart)
        // Not checked: IPv4 id, window.
        #expect(variant { $0.ipID = 7 } == [.held, .merged, .merged])
        #expect(variant { $0.window = 3 } == [.held, .merged, .merged])
    }

    @Test func interleavedFlowsKeepTheirOrder() throws {
        let a = flowSegments(3, push: false)
        let b = flowSegments(3, v6: true, push: false)
        let frames = zip(a, b).flatMap { [$0.build(), $1.build()] }
        let (outcomes, out) = offerAll(Coalescer(), frames)
        #expect(outcomes == Array(repeating: .held, count: 6))
        #expect(out == frames.map { Emitted(header: zeroVirtio, frame: $0) })
    }

    @Test func badChecksumsPassThroughUntouched() throws {
        let packets = flowSegments(4, push: false)
        var frames = packets.map { $0.build() }
        frames[2][100] ^= 0x01  // payload bit: TCP checksum fails
        var badIP = frames[3]
        badIP[24] ^= 0x10  // IPv4 header checksum byte
        let (outcomes, out) = offerAll(Coalescer(), [frames[0], frames[1], frames[2], badIP])
        #expect(outcomes == [.held, .merged, .passedThrough(.badChecksum), .passedThrough(.badChecksum)])
        #expect(out.count == 3)
        #expect(out[1] == Emitted(header: zeroVirtio, frame: frames[2]))
        #expect(out[2] == Emitted(header: zeroVirtio, frame: badIP))
    }

    @Test func everythingElsePassesThroughWithATypedReason() throws {
        let good = flowSegments(1, push: false)[0]
        var withOptions = good
        withOptions.ipOptions = [1, 1, 1, 0]
        var pureACK = good
        pureACK.payload = []
        var pushed = good
        pushed.flags = tcpACK | tcpPSH
        let frame = good.build()
        var fragment = frame
        fragment[20] = 0x20  // MF
        let arp = [UInt8](repeating: 0xFF, count: 6) + macA + [0x08, 0x06] + payloadBytes(28)
        let cases: [([UInt8], Coalescer.PassReason)] = [
            (withOptions.build(), .ipv4Options),
            (pureACK.build(), .noPayload),
            (pushed.build(), .pushedAlone),
            (TestPacket(tcp: false, payload: [1, 2]).build(), .notTCP),
            (frame + [0, 0], .padded),
            (fragment, .unparsed(.ipFragment)),
            (arp, .unparsed(.notIP(etherType: 0x0806))),
            (Array(frame[..<10]), .unparsed(.truncated(need: 14, have: 10))),
            (Array(frame[..<30]), .unparsed(.truncated(need: 34, have: 30))),
            (Array(frame[..<50]), .unparsed(.ipLengthMismatch(declared: frame.count - 14, available: 36))),
        ]
        for (bytes, reason) in cases {
            let c = Coalescer()
            let (outcomes, out) = offerAll(c, [frame, bytes])
            #expect(outcomes == [.held, .passedThrough(reason)])
            #expect(out == [Emitted(header: zeroVirtio, frame: frame), Emitted(header: zeroVirtio, frame: bytes)])
        }
    }

    @Test func superFramesStayWithin64KiB() throws {
        let packets = flowSegments(50, push: false)
        let (outcomes, out) = offerAll(Coalescer(), packets.map { $0.build() })
        // (65535 - 20 - 32) / 1400 = 46 segments fit one IPv4 packet.
        #expect(outcomes[45] == .mergedAndFlushed)
        #expect(outcomes[46] == .held)
        #expect(out.count == 2)
        var joined: [UInt8] = []
        for e in out {
            let (checked, complete) = try completeAndVerify(e, v6: false)
            #expect(complete.count - 14 <= 65535)
            joined += checked.payload
        }
        #expect(joined == packets.flatMap(\.payload))
    }

    @Test(arguments: [false, true])
    func segmentThenCoalesceGivesBackTheSuperFrame(v6: Bool) throws {
        var p = TestPacket(v6: v6, flags: tcpACK | tcpPSH, tcpOptions: timestampOption(1, 2), payload: payloadBytes(64_000, seed: 9))
        p.seq = 0xFFFF_FFF0
        let l4 = v6 ? 54 : 34
        let header = VirtioNetHeader(flags: 1, gsoType: v6 ? .tcpv6 : .tcpv4, headerLength: UInt16(l4 + 32), gsoSize: 1448,
                                     checksumStart: UInt16(l4), checksumOffset: 16)
        let segments = try segmentFrame(p.build(partial: true), header)
        let (outcomes, out) = offerAll(Coalescer(), segments, flush: false)
        #expect(outcomes.last == .mergedAndFlushed)
        try #require(out.count == 1)
        #expect(out[0].header == virtioBytes(flags: 1, gso: v6 ? 4 : 1, hdrLen: l4 + 32, gsoSize: 1448, csumStart: l4, csumOffset: 16))
        #expect(try completeAndVerify(out[0], v6: v6).1 == p.build())
    }
}

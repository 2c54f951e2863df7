import Foundation
import N2NWire
import Testing
import LinuxSystem
@testable import PacketCore

/// Replays every datagram the n2n 2.8 edges sent to the 2.8 supernode in the shared captures through
/// our engine, at the captured times, and compares what it sends with what 2.8 sent: byte for byte for
/// plain headers, after decryption for header-encrypted ones (their stamps and IVs are random).
@Suite struct SupernodeCaptureReplayTests {
    struct Datagram {
        var time: WallTime
        var source: PeerSocket
        var destination: PeerSocket
        var payload: [UInt8]
    }

    static let supernodePort: UInt16 = 1200

    static var vectorDirectory: URL {
        let repo = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/testvectors/n2n-2.8")
    }

    /// IPv4/UDP datagrams of a little-endian, microsecond, Ethernet pcap file, with their times.
    static func datagrams(_ name: String) throws -> [Datagram] {
        let data = [UInt8](try Data(contentsOf: vectorDirectory.appendingPathComponent(name)))
        try #require(data.count >= 24 && data[0..<4] == [0xD4, 0xC3, 0xB2, 0xA1], "\(name): not a pcap file")
        func le32(_ o: Int) -> Int { Int(data[o]) | Int(data[o + 1]) << 8 | Int(data[o + 2]) << 16 | Int(data[o + 3]) << 24 }
        func be16(_ o: Int) -> UInt16 { UInt16(data[o]) << 8 | UInt16(data[o + 1]) }
        func be32(_ o: Int) -> UInt32 { UInt32(be16(o)) << 16 | UInt32(be16(o + 2)) }
        var out: [Datagram] = []
        var offset = 24
        while offset + 16 <= data.count {
            let time = WallTime(seconds: Int64(le32(offset)), microseconds: Int32(le32(offset + 4)))
            let length = le32(offset + 8)
            let start = offset + 16
            try #require(start + length <= data.count, "\(name): truncated record")
            offset = start + length
            guard length >= 42, be16(start + 12) == 0x0800, data[start + 14 + 9] == 17 else { continue }
            let ip = start + 14
            let udp = ip + Int(data[ip] & 0x0F) * 4
            let udpLength = Int(be16(udp + 4))
            guard udpLength >= 8, udp + udpLength <= start + length else { continue }
            out.append(Datagram(time: time,
                                source: PeerSocket(ipv4: be32(ip + 12), port: be16(udp)),
                                destination: PeerSocket(ipv4: be32(ip + 16), port: be16(udp + 2)),
                                payload: Array(data[(udp + 8)..<(udp + udpLength)])))
        }
        return out
    }

    struct Output: Hashable, CustomStringConvertible {
        var destination: PeerSocket
        var bytes: [UInt8]
        var description: String { "\(destination) \(bytes.map { String(format: "%02x", $0) }.joined())" }
    }

    static let captures = [
        "a1-null.pcap", "a1-lzo.pcap", "a1-zstd.pcap", "a2-twofish.pcap", "a3-aes.pcap",
        "a4-chacha20.pcap", "a5-speck.pcap", "h-a1-header-enc.pcap", "h-a3-header-enc-aes.pcap",
    ]

    @Test(arguments: captures)
    func engineAnswersAs28Did(capture: String) throws {
        let encrypted = capture.hasPrefix("h-")
        let community = Community("bench")
        let cipher = HeaderCipher(community: community)
        let sink = RecordingSink()
        let all = try Self.datagrams(capture)
        let first = try #require(all.first)
        let random = CountingRandom()
        // The captured times, replayed on a manual clock (captures run forwards).
        let clock = ManualClock(wall: first.time)
        func micros(_ t: WallTime) -> Int64 { t.seconds * 1_000_000 + Int64(t.microseconds) }
        let engine = SupernodeEngine(options: encrypted ? SupernodeEngineOptions(whitelistNames: ["bench"]) : SupernodeEngineOptions(),
                                     output: sink, headerCipherFactory: CommunityHeaderCipher.factory(random: random),
                                     random: random, clock: clock)
        engine.logger.logLevel = .critical

        /// Header-encrypted datagrams are compared decrypted, with the header length they were sealed over.
        func comparable(_ bytes: [UInt8]) -> [UInt8] {
            guard encrypted else { return bytes }
            var copy = bytes
            let h = copy.withUnsafeMutableBytes { buffer -> Int? in
                do throws(HeaderCryptoError) { return try cipher.decrypt(buffer).headerLength } catch { return nil }
            }
            guard let h else { return [0xBA, 0xD0] + bytes }
            return [UInt8(h)] + copy
        }

        var inputs = 0
        var expected: [Output] = []
        var produced: [Output] = []
        for datagram in all {
            if datagram.destination.port == Self.supernodePort {
                inputs += 1
                var bytes = datagram.payload
                let ahead = micros(datagram.time) - micros(clock.wallTime)
                if ahead > 0 { clock.advance(nanoseconds: ahead * 1000) }
                bytes.withUnsafeMutableBytes { engine.handleDatagram($0, from: datagram.source) }
                produced += sink.take().map { Output(destination: $0.destination, bytes: comparable($0.bytes)) }
            } else if datagram.source.port == Self.supernodePort {
                expected.append(Output(destination: datagram.destination, bytes: comparable(datagram.payload)))
            }
        }
        #expect(inputs >= 5)
        #expect(expected.count >= 5)
        // Same datagrams to the same places; the order within a broadcast fan-out is the hash tables'.
        #expect(produced.count == expected.count)
        let missing = expected.filter { !produced.contains($0) }
        let extra = produced.filter { !expected.contains($0) }
        #expect(missing.isEmpty, "2.8 sent, we did not: \(missing)")
        #expect(extra.isEmpty, "we sent, 2.8 did not: \(extra)")
        // The only drops are QUERY_PEERs for multicast MACs that no edge has (spec 10.4 item 33), which
        // 2.8 left unanswered too.
        #expect(engine.statistics.totalDropped == engine.statistics[.unknownDestination],
                "drops: \(DropReason.allCases.filter { engine.statistics[$0] > 0 }.map { "\($0)=\(engine.statistics[$0])" })")
        if encrypted { #expect(engine.communities[community]?.headerMode == .encrypted) }
    }
}

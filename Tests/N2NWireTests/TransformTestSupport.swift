import Foundation
import Glibc
import Testing

@testable import N2NWire

/// Helpers shared by the transform and compression tests.
enum TransformTestSupport {
    /// Bytes from hex text; whitespace is ignored. Traps on malformed literals (test inputs only).
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        precondition(digits.count % 2 == 0, "odd hex literal")
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Hands out a scripted byte sequence (cycling), so encoders reproduce the spec's vectors.
    final class ScriptedRandom: RandomSource {
        let script: [UInt8]
        private var position = 0
        init(_ script: [UInt8]) { self.script = script }
        func fill(_ buffer: UnsafeMutableRawBufferPointer) {
            for i in 0..<buffer.count {
                buffer[i] = script[position % script.count]
                position += 1
            }
        }
    }

    /// SplitMix64: reproducible "random" test data.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
    }

    /// Runs `body` with `capacity` writable bytes followed by 64 guard bytes, and reports whether the
    /// guard survived, i.e. whether `body` stayed inside what it was given.
    static func withGuardedBuffer<R>(capacity: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows
        -> (result: R, guardIntact: Bool, written: [UInt8])
    {
        var storage = [UInt8](repeating: 0xA5, count: capacity + 64)
        let result = try storage.withUnsafeMutableBytes { raw in
            try body(UnsafeMutableRawBufferPointer(rebasing: raw[0..<capacity]))
        }
        return (result, storage[capacity...].allSatisfy { $0 == 0xA5 }, Array(storage[..<capacity]))
    }

    /// Runs a throwing transform call and returns its typed error (nil if it succeeded).
    static func error(of body: () throws(TransformError) -> Int) -> TransformError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    /// The error `transform` reports for `payload`, decoding into `capacity` bytes (nil: it decoded).
    static func decodeError(_ transform: PayloadTransform, _ payload: [UInt8], capacity: Int = 2048) -> TransformError? {
        var out = [UInt8](repeating: 0, count: capacity)
        return payload.withUnsafeBytes { p in
            out.withUnsafeMutableBytes { o in error { () throws(TransformError) -> Int in try transform.decode(p, into: o) } }
        }
    }

    // MARK: Captures of the C programs (/work/shared/testvectors/n2n-2.8)

    /// A PACKET (pc 3) from a capture: header fields and the payload after the transform field.
    struct CapturedPacket {
        var sourceMAC: [UInt8]
        var destinationMAC: [UInt8]
        var transform: TransformField
        var payload: [UInt8]
    }

    static var vectorDirectory: URL {
        // Tests/N2NWireTests/<file> → repo root; the shared tree sits at ../shared (CI) or /work/shared.
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [
            repo.deletingLastPathComponent().appendingPathComponent("shared/testvectors/n2n-2.8"),
            URL(fileURLWithPath: "/work/shared/testvectors/n2n-2.8"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[1]
    }

    /// Every unencrypted-header PACKET in a capture, parsed from the pcap's Ethernet/IPv4/UDP frames.
    static func capturedPackets(_ name: String) throws -> [CapturedPacket] {
        let data = [UInt8](try Data(contentsOf: vectorDirectory.appendingPathComponent(name)))
        func le32(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24 }
        func be16(_ at: Int) -> Int { Int(data[at]) << 8 | Int(data[at + 1]) }
        guard data.count >= 24, [0xA1B2_C3D4, 0xA1B2_3C4D].contains(le32(0)), le32(20) == 1 else {
            throw CaptureError.notEthernetPcap(name)
        }
        var packets: [CapturedPacket] = []
        var offset = 24
        while offset + 16 <= data.count {
            let length = le32(offset + 8)
            let frame = offset + 16
            offset = frame + length
            guard offset <= data.count else { throw CaptureError.truncated(name) }
            // Ethernet II carrying IPv4, UDP, no fragments.
            guard length >= 14 + 20 + 8, be16(frame + 12) == 0x0800 else { continue }
            let ip = frame + 14
            let ipHeader = Int(data[ip] & 0x0F) * 4
            guard data[ip + 9] == 17 else { continue }
            let udp = ip + ipHeader
            let udpEnd = min(frame + length, udp + be16(udp + 4))
            let n2n = udp + 8
            guard udpEnd - n2n >= 34, data[n2n] == 2 else { continue }
            let flags = be16(n2n + 2)
            guard flags & 0x1F == 3 else { continue }
            var cursor = n2n + 32
            if flags & 0x40 != 0 { cursor += data[cursor] & 0x80 != 0 ? 20 : 8 }
            guard cursor + 2 <= udpEnd else { continue }
            packets.append(
                CapturedPacket(
                    sourceMAC: Array(data[n2n + 20..<n2n + 26]), destinationMAC: Array(data[n2n + 26..<n2n + 32]),
                    transform: TransformField(rawValue: UInt16(be16(cursor))), payload: Array(data[cursor + 2..<udpEnd])))
        }
        return packets
    }

    enum CaptureError: Error { case notEthernetPcap(String), truncated(String) }

    /// A decoded frame is plausible when its Ethernet addresses are the ones the PACKET header names
    /// (spec 1.4.3) and its ethertype is one the scenario produces (IPv4 or ARP).
    static func frameMatches(_ frame: [UInt8], _ packet: CapturedPacket) -> Bool {
        frame.count >= 14 && Array(frame[0..<6]) == packet.destinationMAC && Array(frame[6..<12]) == packet.sourceMAC
            && [[0x08, 0x00], [0x08, 0x06]].contains(Array(frame[12..<14]))
    }
}

/// Watches malloc's bytes-in-use (all arenas) around a piece of work, to catch per-call leaks
/// (spec 10.1 item 4). Other tests run concurrently, so the smallest growth of several rounds counts.
enum HeapProbe {
    /// glibc's `mallinfo2()`, which Swift's Glibc module does not import (no <malloc.h>). It returns a
    /// 10-word struct; on x86-64 SysV such a struct comes back through a hidden pointer passed as the
    /// first argument, so the function can be called as `void *(*)(void *)` on a 10-word buffer.
    private typealias MallinfoCall = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer?
    private static let mallinfo2: MallinfoCall? = {
        #if arch(x86_64) && os(Linux)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallinfo2") else { return nil }
            return unsafeBitCast(symbol, to: MallinfoCall.self)
        #else
            return nil
        #endif
    }()

    static var isAvailable: Bool { mallinfo2 != nil }

    /// `uordblks`, the eighth word: bytes currently allocated by malloc (mmapped chunks excluded).
    static func bytesInUse() -> Int {
        var info = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &info) { raw in
            _ = mallinfo2!(raw.baseAddress!)
            return raw.load(fromByteOffset: 7 * MemoryLayout<Int>.size, as: Int.self)
        }
    }

    static func minimumGrowth<E: Error>(rounds: Int, _ work: () throws(E) -> Void) throws(E) -> Int {
        try work()  // warm-up: lazily created library state is not a leak
        var smallest = Int.max
        for _ in 0..<rounds {
            let before = bytesInUse()
            try work()
            smallest = min(smallest, bytesInUse() - before)
        }
        return smallest
    }
}

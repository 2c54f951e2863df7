import Foundation
import Glibc
import Testing

@testable import N2NWire

/// Helpers shared by the transform and compression tests.
enum TransformTestSupport {
    /// The 60-byte frame of spec 2.9.
    static let specFrame: [UInt8] = N2NWireTests.hex("020000000002 020000000001 0806") + Array(0x0e...0x3b)

    /// `plain` encoded by `transform` into a buffer of its `maxEncodedLength`.
    static func encode(_ transform: some PayloadTransform, _ plain: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: transform.maxEncodedLength(plaintextLength: plain.count))
        let n = try plain.withUnsafeBytes { p in try out.withUnsafeMutableBytes { o in try transform.encode(p, into: o) } }
        return Array(out[..<n])
    }

    /// `payload` decoded by `transform` into `capacity` bytes.
    static func decode(_ transform: some PayloadTransform, _ payload: [UInt8], capacity: Int = 2048) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: capacity)
        let n = try payload.withUnsafeBytes { p in try out.withUnsafeMutableBytes { o in try transform.decode(p, into: o) } }
        return Array(out[..<n])
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
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

    /// The smallest malloc growth of five rounds of 2000 encode+decode round trips of a 1290-byte
    /// frame (the leak check of spec 10.1 item 4; needs `HeapProbe.isAvailable`).
    static func heapGrowthOverRoundTrips(_ transform: some PayloadTransform) throws -> Int {
        let frame = [UInt8](repeating: 0x5a, count: 1290)
        var wire = [UInt8](repeating: 0, count: 2048)
        var plain = [UInt8](repeating: 0, count: 2048)
        return try frame.withUnsafeBytes { f in
            try wire.withUnsafeMutableBytes { w in
                try plain.withUnsafeMutableBytes { o in
                    try HeapProbe.minimumGrowth(rounds: 5) { () throws(TransformError) in
                        for _ in 0..<2000 {
                            let n = try transform.encode(f, into: w)
                            _ = try transform.decode(UnsafeRawBufferPointer(rebasing: w[0..<n]), into: o)
                        }
                    }
                }
            }
        }
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

    /// Every PACKET of a capture whose header is not encrypted.
    static func capturedPackets(_ name: String) throws -> [CapturedPacket] {
        try Pcap.n2nDatagrams(name).compactMap { d in
            let decoded = try WireCodec.decode(d.payload)
            guard case .packet(let p) = decoded.message else { return nil }
            return CapturedPacket(
                sourceMAC: p.srcMac.octets, destinationMAC: p.dstMac.octets, transform: p.transform,
                payload: Array(d.payload[decoded.bodyEnd...]))
        }
    }


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

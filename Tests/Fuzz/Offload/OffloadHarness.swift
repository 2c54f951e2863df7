import TapOffload

/// Slots for the fuzz targets: `count` buffers of `size` bytes carved from one allocation made once.
final class FuzzSlots: FrameSlots {
    let storage: UnsafeMutableRawBufferPointer
    let stride: Int
    var size = 0
    var capacity = 0
    var lengths: [Int] = []

    init(maxCount: Int, maxSize: Int) {
        stride = maxSize
        storage = .allocate(byteCount: maxCount * maxSize, alignment: 16)
        lengths.reserveCapacity(maxCount)
    }

    func reset(count: Int, size: Int) {
        capacity = count
        self.size = size
        lengths.removeAll(keepingCapacity: true)
    }

    var freeSlotCount: Int { capacity - lengths.count }
    var slotCapacity: Int { size }
    func nextFreeSlot() -> UnsafeMutableRawBufferPointer {
        if lengths.count >= capacity { fuzzFailure("nextFreeSlot with no free slot") }
        return UnsafeMutableRawBufferPointer(rebasing: storage[(lengths.count * stride)..<(lengths.count * stride + size)])
    }
    func commitSlot(length: Int) {
        if length < 0 || length > size { fuzzFailure("commit of \(length) bytes into a \(size)-byte slot") }
        lengths.append(length)
    }
    func frame(_ i: Int) -> [UInt8] { Array(storage[(i * stride)..<(i * stride + lengths[i])]) }
}

/// Virtio-net header parser + segmenter on arbitrary input. Byte 0: bits 0...5 the slot count - 1,
/// bits 6...7 the slot size (1514, 9014, 65550, 128); bytes 1...10 the virtio-net header; the rest the frame.
final class SegmenterHarness {
    static let sizes = [1514, 9014, 65550, 128]
    var slots = FuzzSlots(maxCount: 64, maxSize: 65550)

    func run(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard size >= 1, let data else { return }
        slots.reset(count: Int(data[0] & 63) + 1, size: Self.sizes[Int(data[0] >> 6)])
        withExactCopy(data + 1, size - 1) { input in
            let header: VirtioNetHeader
            do {
                header = try VirtioNetHeader(parsing: UnsafeRawBufferPointer(input))
            } catch {
                report(error)
                if input.count >= 10 && input[0] & ~3 == 0 && [0, 1, 3, 4, 5].contains(input[1] & 0x7F) && input[1] != 0x80 {
                    fuzzFailure("a well-formed header was refused: \(error)")
                }
                return
            }
            // The header must serialize back to the bytes it came from.
            let again = UnsafeMutableRawBufferPointer.allocate(byteCount: 10, alignment: 1)
            defer { again.deallocate() }
            header.write(to: again)
            if !again.elementsEqual(input[..<10]) { fuzzFailure("virtio header did not round-trip") }
            let frameBytes = UnsafeMutableRawBufferPointer(rebasing: input[10...])
            let frame = UnsafeRawBufferPointer(frameBytes)
            let original = Array(frame)
            let n: Int
            do {
                n = try Segmenter.segment(frame, header: header, into: &slots)
            } catch {
                report(error)
                if !slots.lengths.isEmpty { fuzzFailure("refused (\(error)) after writing \(slots.lengths.count) frames") }
                return
            }
            if Array(frame) != original { fuzzFailure("segment modified its input") }
            if n != slots.lengths.count || n < 1 || n > slots.capacity { fuzzFailure("segment returned \(n), wrote \(slots.lengths.count)") }
            check(header: header, original: original, count: n)
        }
    }

    private func check(header: VirtioNetHeader, original: [UInt8], count n: Int) {
        if header.gsoType == .none {
            guard n == 1 else { fuzzFailure("a non-GSO frame gave \(n) frames") }
            var out = slots.frame(0)
            if header.needsChecksum {
                let start = Int(header.checksumStart), field = start + Int(header.checksumOffset)
                // The field held the pseudo-header sum: with it, the completed range must sum to all ones.
                let pseudo = UInt32(original[field]) << 8 | UInt32(original[field + 1])
                if referenceSum(out[start...], initial: pseudo) != 0xFFFF { fuzzFailure("completed checksum does not verify") }
                out[field] = original[field]; out[field + 1] = original[field + 1]
            }
            if out != original { fuzzFailure("a non-GSO frame changed beyond its checksum field") }
            return
        }
        var payload: [UInt8] = []
        var headers = 0
        for i in 0..<n {
            let f = slots.frame(i)
            if let why = verifyPlainFrame(f) { fuzzFailure("segment \(i) of \(n) invalid: \(why)") }
            guard case .success(let layout) = referenceLayout(f) else { fuzzFailure("unreachable") }
            headers = layout.l4 + (layout.proto == 6 ? Int(f[layout.l4 + 12] >> 4) * 4 : 8)
            if i < n - 1 && f.count - headers != Int(header.gsoSize) { fuzzFailure("segment \(i) holds \(f.count - headers) bytes, gso_size \(header.gsoSize)") }
            if f.count - headers > Int(header.gsoSize) { fuzzFailure("segment \(i) larger than gso_size") }
            payload += f[headers...]
        }
        if payload[...] != original[headers...] { fuzzFailure("segment payloads do not add up to the super-frame's") }
    }

    func writeSeeds(_ seeds: inout SeedWriter) {
        for v6 in [false, true] {
            for tcp in [true, false] {
                let l4 = v6 ? 54 : 34
                let headers = l4 + (tcp ? 32 : 8)
                let frame = seedFrame(v6: v6, tcp: tcp, seq: 0xFFFF_FF00, flags: 0x19, payload: (0..<3000).map { UInt8($0 & 0xFF) }, partial: true)
                for gso in [1000, 1448, 1] {
                    let type: UInt8 = tcp ? (v6 ? 4 : 1) : 5
                    seeds.write([63] + littleEndianVirtio(flags: 1, gso: type, hdrLen: headers, gsoSize: gso, csumStart: l4, csumOffset: tcp ? 16 : 6) + frame)
                }
                seeds.write([0] + littleEndianVirtio(flags: 1, gso: 0, hdrLen: 0, gsoSize: 0, csumStart: l4, csumOffset: tcp ? 16 : 6)
                            + seedFrame(v6: v6, tcp: tcp, seq: 1, flags: 0x18, payload: [1, 2, 3], partial: true))
            }
        }
        seeds.write([0] + littleEndianVirtio(flags: 0, gso: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0) + [UInt8](repeating: 0xFF, count: 60))
    }
}

/// The coalescer on a sequence of frames. Byte 0: bit 0 rewrite each frame's checksums with the reference
/// routine first (so mutations reach the merge rules), bit 1 a 12-byte virtio-net header; then frames as
/// [length high, length low][bytes].
final class CoalescerHarness {
    let coalescers = [Coalescer(virtioHeaderSize: 10), Coalescer(virtioHeaderSize: 12)]
    var slots = FuzzSlots(maxCount: 128, maxSize: 65550)

    func run(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard size >= 1, let data else { return }
        let fix = data[0] & 1 != 0
        let coalescer = coalescers[Int(data[0] >> 1) & 1]
        var offered: [[UInt8]] = []
        var i = 1
        while i + 2 <= size {
            let n = min(Int(data[i]) << 8 | Int(data[i + 1]), size - i - 2)
            var f = Array(UnsafeBufferPointer(start: data + i + 2, count: n))
            if fix { referenceFixChecksums(&f) }
            offered.append(f)
            i += 2 + n
        }
        var written: [[UInt8]] = []
        let emit = { (header: UnsafeRawBufferPointer, frame: UnsafeRawBufferPointer) in
            self.expand(header, frame, coalescer.virtioHeaderSize, into: &written)
        }
        for f in offered {
            withExactCopy(f, f.count) { copy in
                // The TAP read path asks this of every frame of a mixed round (issue 18).
                if UrgentFrame.qualifies(UnsafeRawBufferPointer(copy)), f.count > UrgentFrame.maxLength {
                    fuzzFailure("a \(f.count)-byte frame counted as urgent")
                }
                _ = coalescer.offer(UnsafeRawBufferPointer(copy), emit: emit)
                if !copy.elementsEqual(f) { fuzzFailure("offer modified its input") }
            }
        }
        coalescer.flush(emit: emit)
        if coalescer.hasPending { fuzzFailure("pending after flush") }
        // Re-segmented, the output is the input: same frames, same order, same bytes, except what
        // coalescing is allowed to change (IPv4 id and checksum, TCP window and checksum).
        guard written.count == offered.count else { fuzzFailure("\(offered.count) frames in, \(written.count) out after re-segmenting") }
        for (a, b) in zip(offered, written) where masked(a) != masked(b) {
            fuzzFailure("frame changed or reordered: \(a.count) vs \(b.count) bytes")
        }
    }

    private func masked(_ f: [UInt8]) -> [UInt8] {
        guard case .success(let layout) = referenceLayout(f), layout.proto == 6 else { return f }
        var m = f
        if !layout.v6 { for j in [18, 19, 24, 25] { m[j] = 0 } }
        for j in (layout.l4 + 14)..<(layout.l4 + 18) { m[j] = 0 }
        return m
    }

    private func expand(_ header: UnsafeRawBufferPointer, _ frame: UnsafeRawBufferPointer, _ size: Int, into written: inout [[UInt8]]) {
        if header.count != size { fuzzFailure("virtio header of \(header.count) bytes, expected \(size)") }
        let h: VirtioNetHeader
        do { h = try VirtioNetHeader(parsing: header, size: size) } catch { fuzzFailure("emitted an unparseable header: \(error)") }
        if h.gsoType == .none {
            if h != VirtioNetHeader() { fuzzFailure("pass-through header not zero: \(h)") }
            written.append(Array(frame))
            return
        }
        guard h.gsoType == .tcpv4 || h.gsoType == .tcpv6, h.needsChecksum else { fuzzFailure("emitted \(h)") }
        // Complete the checksum the kernel would, then check the whole super-frame with the reference.
        var complete = Array(frame)
        let start = Int(h.checksumStart), field = start + Int(h.checksumOffset)
        guard field + 2 <= complete.count else { fuzzFailure("checksum field outside the super-frame") }
        let c = ~referenceSum(complete[start...])
        complete[field] = UInt8(c >> 8); complete[field + 1] = UInt8(c & 0xFF)
        if let why = verifyPlainFrame(complete) { fuzzFailure("super-frame invalid: \(why)") }
        if complete.count > 14 + 65535 { fuzzFailure("super-frame of \(complete.count) bytes") }
        slots.reset(count: 128, size: 65550)
        do {
            let n = try Segmenter.segment(frame, header: h, into: &slots)
            if n < 2 { fuzzFailure("a super-frame of \(n) segment") }
            for k in 0..<n { written.append(slots.frame(k)) }
        } catch {
            fuzzFailure("the segmenter refused the coalescer's super-frame: \(error)")
        }
    }

    func writeSeeds(_ seeds: inout SeedWriter) {
        for v6 in [false, true] {
            var bytes: [UInt8] = [0]
            var seq: UInt32 = 0xFFFF_F000
            for k in 0..<12 {
                let n = k == 11 ? 300 : 700
                let flags: UInt8 = k == 5 ? 0x11 : (k == 11 ? 0x18 : 0x10)
                let f = seedFrame(v6: v6, tcp: true, seq: seq, flags: flags, payload: [UInt8](repeating: UInt8(k), count: n), ipID: k)
                bytes += [UInt8(f.count >> 8), UInt8(f.count & 0xFF)] + f
                seq &+= UInt32(n)
            }
            let udp = seedFrame(v6: v6, tcp: false, seq: 0, flags: 0, payload: [9, 9])
            bytes += [UInt8(udp.count >> 8), UInt8(udp.count & 0xFF)] + udp
            seeds.write(bytes)
            bytes[0] = 3
            seeds.write(bytes)
        }
    }
}

extension SegmenterHarness: FuzzTarget {
    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) { run(data, size) }
}

extension CoalescerHarness: FuzzTarget {
    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) { run(data, size) }
}

/// An exact heap copy of an array, so AddressSanitizer sees reads past its end.
func withExactCopy<R>(_ bytes: [UInt8], _ count: Int, _ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
    bytes.withUnsafeBufferPointer { withExactCopy($0.baseAddress, count, body) }
}

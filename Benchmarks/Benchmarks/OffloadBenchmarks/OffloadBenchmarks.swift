import Benchmark
import LinuxSystem
import TapDevice
#if canImport(Glibc)
import Glibc
#endif

// TAP offload work per 64 KiB super-frame: segmentation (TSO/USO in software) and coalescing (GRO in
// software), beside plain copies of the same bytes measured in the same run. Each iteration handles 1000
// super-frames (`.kilo`), so the median wall clock in µs per iteration is ns per super-frame.

var perSuperFrame: Benchmark.Configuration {
    .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo,
          maxDuration: .seconds(2), maxIterations: 10_000)
}

let benchmarks: @Sendable () -> Void = {
    segmentBenchmark("segment TCPv4 64 KiB", OffloadFixture.superFrame(v6: false, tcp: true))
    segmentBenchmark("segment TCPv6 64 KiB", OffloadFixture.superFrame(v6: true, tcp: true))
    segmentBenchmark("segment UDPv4 64 KiB", OffloadFixture.superFrame(v6: false, tcp: false))
    coalesceBenchmark("coalesce TCPv4 45 segments", v6: false)
    coalesceBenchmark("coalesce TCPv6 45 segments", v6: true)
    copyBaselines()
}

/// A super-frame as a TAP read with TSO hands it over, cut into a preallocated batch.
func segmentBenchmark(_ name: String, _ fixture: (frame: UnsafeMutableRawBufferPointer, header: VirtioNetHeader)) {
    let batch = FrameBatch(capacity: 64, frameCapacity: 1600, headroom: 64)
    let frame = UnsafeRawBufferPointer(fixture.frame)
    Benchmark(name, configuration: perSuperFrame) { benchmark in
        var total = 0
        var slots = batch
        benchmark.startMeasurement()
        do throws(OffloadError) {
            for _ in benchmark.scaledIterations {
                batch.removeAll()
                total &+= try Segmenter.segment(frame, header: fixture.header, into: &slots)
            }
        } catch {
            fatalError("segment: \(error)")
        }
        benchmark.stopMeasurement()
        guard total == benchmark.scaledIterations.count * OffloadFixture.segments else { fatalError("segment: wrong count") }
    }
}

/// The 45 segments of a super-frame offered one by one, as received from a peer, then flushed.
func coalesceBenchmark(_ name: String, v6: Bool) {
    let batch = OffloadFixture.segmentsOf(OffloadFixture.superFrame(v6: v6, tcp: true))
    let frames = (0..<batch.count).map { UnsafeRawBufferPointer(batch[$0]) }
    let coalescer = Coalescer()
    Benchmark(name, configuration: perSuperFrame) { benchmark in
        var written = 0
        benchmark.startMeasurement()
        // `frames` point into `batch`: it must outlive the loop.
        withExtendedLifetime(batch) {
            for _ in benchmark.scaledIterations {
                for f in frames {
                    coalescer.offer(f) { h, fr in written &+= h.count &+ fr.count }
                }
                coalescer.flush { h, fr in written &+= h.count &+ fr.count }
            }
        }
        benchmark.stopMeasurement()
        let expected = 10 + 14 + (v6 ? 40 : 20) + 32 + OffloadFixture.payload
        guard written == benchmark.scaledIterations.count * expected else { fatalError("coalesce: wrong output \(written)") }
    }
}

/// Floors: one memcpy of the super-frame, the 45 memcpys that write its segments' bytes (headers included),
/// and the checksum pass over the super-frame alone.
func copyBaselines() {
    let fixture = OffloadFixture.superFrame(v6: false, tcp: true)
    let source = UnsafeRawBufferPointer(fixture.frame)
    let target = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 64)
    let batch = OffloadFixture.segmentsOf(fixture)
    let segments = (0..<batch.count).map { UnsafeRawBufferPointer(batch[$0]) }
    let slots = FrameBatch(capacity: 64, frameCapacity: 1600, headroom: 64)
    Benchmark("memcpy 64 KiB", configuration: perSuperFrame) { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            memcpy(target.baseAddress!, source.baseAddress!, source.count)
            blackHole(target.baseAddress!)
        }
        benchmark.stopMeasurement()
    }
    Benchmark("memcpy 45 segments", configuration: perSuperFrame) { benchmark in
        benchmark.startMeasurement()
        withExtendedLifetime(batch) {
            for _ in benchmark.scaledIterations {
                slots.removeAll()
                for s in segments { slots.append(s) }
                blackHole(slots.count)
            }
        }
        benchmark.stopMeasurement()
    }
    Benchmark("checksum 64 KiB", configuration: perSuperFrame) { benchmark in
        var sum: UInt64 = 0
        let bytes = fixture.frame
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            // A changing byte keeps the sum from being hoisted out of the loop.
            bytes[100] = UInt8(truncatingIfNeeded: i)
            sum &+= UInt64(InternetChecksum.finish(InternetChecksum.sum(UnsafeRawBufferPointer(bytes))))
        }
        benchmark.stopMeasurement()
        blackHole(sum)
    }
}

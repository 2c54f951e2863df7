import Benchmark
import N2NWire

/// Every benchmark runs 1000 packets per iteration (`scaledIterations`), set up before
/// `startMeasurement()`, so wall clock, throughput and allocations cover the per-packet work only.
var perPacket: Benchmark.Configuration {
    .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo,
          maxDuration: .seconds(2), maxIterations: 100_000)
}

let benchmarks: @Sendable () -> Void = {
    for transform in TransformID.allCases {
        sealBenchmark(transform)
        openBenchmark(transform)
    }
    encodeBenchmark(.twofish, length: Fixture.smallLength)
    encodeBenchmark(.speckCTR, length: Fixture.smallLength)
    headerEncryptionBenchmark()
    aesIVBenchmarks()
    compressionBenchmarks(.lzo)
    compressionBenchmarks(.zstd)
    baselineBenchmarks()
}

/// Frame → PACKET datagram: transform plus header, no compression, no header encryption.
func sealBenchmark(_ transform: TransformID) {
    let pipeline = Fixture.pipeline(transform)
    let frame = UnsafeRawBufferPointer(Fixture.frame())
    let datagram = Fixture.datagramBuffer()
    Benchmark("seal \(transform.benchmarkName)", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        do throws(PipelineError) {
            for _ in benchmark.scaledIterations {
                total &+= try pipeline.seal(frame: frame, srcMac: Fixture.srcMac, into: datagram)
            }
        } catch {
            fatalError("seal: \(error)")
        }
        benchmark.stopMeasurement()
        blackHole(total)
    }
}

/// PACKET datagram → frame, as an edge receives it: strict decode, then payload decryption.
func openBenchmark(_ transform: TransformID) {
    let pipeline = Fixture.pipeline(transform)
    let frame = Fixture.frame()
    let buffer = Fixture.datagramBuffer()
    let length: Int
    do {
        length = try pipeline.seal(frame: UnsafeRawBufferPointer(frame), srcMac: Fixture.srcMac, into: buffer)
    } catch {
        fatalError("seal: \(error)")
    }
    let datagram = UnsafeRawBufferPointer(rebasing: buffer[..<length])
    Benchmark("open \(transform.benchmarkName)", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        do throws(PipelineError) {
            for _ in benchmark.scaledIterations {
                total &+= try open(datagram, with: pipeline, into: frame)
            }
        } catch {
            fatalError("open: \(error)")
        }
        benchmark.stopMeasurement()
        guard total == benchmark.scaledIterations.count * Fixture.frameLength else { fatalError("open: wrong length") }
    }
}

@inline(__always)
func open(_ datagram: UnsafeRawBufferPointer, with pipeline: FramePipeline,
          into frame: UnsafeMutableRawBufferPointer) throws(PipelineError) -> Int {
    let decoded: DecodedPacket
    do {
        decoded = try WireCodec.decode(datagram)
    } catch {
        throw .wire(error)
    }
    guard case .packet(let header) = decoded.message else { throw .badFrameLength(0) }
    return try pipeline.open(payload: UnsafeRawBufferPointer(rebasing: datagram[decoded.bodyEnd...]),
                             transform: header.transform, into: frame)
}

/// The bare transform on n2n 2.8's benchmark packet size, to set beside its tool's figures.
func encodeBenchmark(_ id: TransformID, length: Int) {
    let transform: any PayloadTransform
    do {
        transform = try id.makeTransform(passphrase: Fixture.passphrase, random: SystemRandom())
    } catch {
        fatalError("\(id): \(error)")
    }
    let plaintext = UnsafeRawBufferPointer(Fixture.frame(length: length))
    let output = Fixture.datagramBuffer()
    Benchmark("encode \(id.benchmarkName) \(length) B", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        do throws(TransformError) {
            for _ in benchmark.scaledIterations {
                total &+= try transform.encode(plaintext, into: output)
            }
        } catch {
            fatalError("encode: \(error)")
        }
        benchmark.stopMeasurement()
        blackHole(total)
    }
}

/// Header encryption and decryption in place on a sealed null-transform PACKET (1290-byte frame):
/// Speck on the 34-byte header plus the Pearson-16 checksum over the whole datagram, twice.
func headerEncryptionBenchmark() {
    let pipeline = Fixture.pipeline(.null)
    let buffer = Fixture.datagramBuffer()
    let length: Int
    do {
        length = try pipeline.seal(frame: UnsafeRawBufferPointer(Fixture.frame()), srcMac: Fixture.srcMac, into: buffer)
    } catch {
        fatalError("seal: \(error)")
    }
    let datagram = UnsafeMutableRawBufferPointer(rebasing: buffer[..<length])
    let headerLength = length - Fixture.frameLength
    let cipher = HeaderCipher(community: Fixture.community)
    let random = SystemRandom()
    let stamp = HeaderStamp.now(random: random)
    Benchmark("header encrypt+decrypt", configuration: perPacket) { benchmark in
        var check: UInt64 = 0
        benchmark.startMeasurement()
        do throws(HeaderCryptoError) {
            for _ in benchmark.scaledIterations {
                try cipher.encrypt(datagram, headerLength: headerLength, stamp: stamp, random: random)
                check &+= try cipher.decrypt(datagram).stamp
            }
        } catch {
            fatalError("header: \(error)")
        }
        benchmark.stopMeasurement()
        guard check == stamp &* UInt64(benchmark.scaledIterations.count) else { fatalError("header: wrong stamp") }
    }
}

/// `Compressor` on the 1290-byte frame: compression with the pipeline's level, and decompression.
func compressionBenchmarks(_ algorithm: CompressionID) {
    let name = algorithm == .lzo ? "LZO" : "ZSTD"
    let compressor = Compressor()
    let frame = UnsafeRawBufferPointer(Fixture.frame())
    let compressed = Fixture.datagramBuffer()
    let output = Fixture.datagramBuffer()
    guard let compressedLength = compressor.compress(frame, into: compressed, using: algorithm) else {
        fatalError("\(name) does not shrink the fixture frame")
    }
    let stream = UnsafeRawBufferPointer(rebasing: compressed[..<compressedLength])
    Benchmark("compress \(name)", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            total &+= compressor.compress(frame, into: output, using: algorithm) ?? 0
        }
        benchmark.stopMeasurement()
        guard total == compressedLength * benchmark.scaledIterations.count else { fatalError("\(name): length changed") }
    }
    Benchmark("decompress \(name)", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        do throws(TransformError) {
            for _ in benchmark.scaledIterations {
                total &+= try compressor.decompress(stream, into: output, id: algorithm.rawValue)
            }
        } catch {
            fatalError("decompress: \(error)")
        }
        benchmark.stopMeasurement()
        guard total == Fixture.frameLength * benchmark.scaledIterations.count else { fatalError("\(name): wrong length") }
    }
}

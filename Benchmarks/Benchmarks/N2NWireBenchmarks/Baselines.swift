import Benchmark
import CLZO
import COpenSSL
import CZstd
import N2NWire
#if canImport(Glibc)
import Glibc
#endif

// The floor under each of our figures, measured in the same run on the same buffers: the library
// call alone, with its context kept and only the IV reset (as the notes recommend for EVP).

func baselineBenchmarks() {
    memcpyBaseline()
    evpBaseline("EVP AES-128-CBC encrypt", cipher: EVP_aes_128_cbc(), encrypt: true, length: 1296)
    evpBaseline("EVP AES-128-CBC decrypt", cipher: EVP_aes_128_cbc(), encrypt: false, length: 1296)
    evpBaseline("EVP ChaCha20", cipher: EVP_chacha20(), encrypt: true, length: Fixture.frameLength)
    lzoBaselines()
    zstdBaselines()
    pearsonBaseline()
}

/// The part of header encryption the protocol makes unavoidable: the Pearson-16 checksum over the
/// whole datagram (34-byte header + 1290-byte frame), once to encrypt and once to verify. Each byte
/// is a dependent table load, so this is latency-bound.
func pearsonBaseline() {
    let datagram = Fixture.frame(length: 34 + Fixture.frameLength)
    Benchmark("Pearson-16 x2", configuration: perPacket) { benchmark in
        var check: UInt16 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            // Feeding each result into the next input keeps the two hashes from being merged.
            datagram[10] = UInt8(truncatingIfNeeded: check)
            check &+= Pearson.hash16(UnsafeRawBufferPointer(datagram))
            datagram[11] = UInt8(truncatingIfNeeded: check)
            check &+= Pearson.hash16(UnsafeRawBufferPointer(datagram))
        }
        benchmark.stopMeasurement()
        blackHole(check)
    }
}

/// What the null transform cannot avoid: one copy of the frame.
func memcpyBaseline() {
    let frame = Fixture.frame()
    let output = Fixture.datagramBuffer()
    Benchmark("memcpy", configuration: perPacket) { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            memcpy(output.baseAddress!, frame.baseAddress!, Fixture.frameLength)
            blackHole(output.baseAddress!)
        }
        benchmark.stopMeasurement()
    }
}

/// `length` is what our transform feeds the cipher: 1290 bytes padded to 1296 for AES-CBC.
func evpBaseline(_ name: String, cipher: OpaquePointer?, encrypt: Bool, length: Int) {
    guard let context = EVP_CIPHER_CTX_new() else { fatalError("EVP_CIPHER_CTX_new") }
    let key = [UInt8](repeating: 0x42, count: Int(EVP_CIPHER_get_key_length(cipher)))
    var iv = [UInt8](repeating: 0x17, count: 16)
    guard EVP_CipherInit_ex(context, cipher, nil, key, iv, encrypt ? 1 : 0) == 1,
          EVP_CIPHER_CTX_set_padding(context, 0) == 1 else { fatalError("EVP_CipherInit_ex") }
    let input = Fixture.frame(length: length)
    let output = Fixture.datagramBuffer()
    Benchmark(name, configuration: perPacket) { benchmark in
        var written: Int32 = 0
        var total = 0
        let inPointer = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let outPointer = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        iv.withUnsafeMutableBufferPointer { ivPointer in
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                ivPointer[0] = UInt8(truncatingIfNeeded: i)
                guard EVP_CipherInit_ex(context, nil, nil, nil, ivPointer.baseAddress, -1) == 1,
                      EVP_CipherUpdate(context, outPointer, &written, inPointer, Int32(length)) == 1
                else { fatalError("EVP") }
                total &+= Int(written)
            }
            benchmark.stopMeasurement()
        }
        guard total == length * benchmark.scaledIterations.count else { fatalError("EVP: wrong length") }
    }
}

func lzoBaselines() {
    precondition(n2n_lzo_init() == LZO_E_OK)
    let work = UnsafeMutableRawPointer.allocate(byteCount: Int(n2n_lzo1x_1_mem_compress), alignment: 16)
    let frame = Fixture.frame()
    let compressed = Fixture.datagramBuffer()
    let output = Fixture.datagramBuffer()
    let source = frame.baseAddress!.assumingMemoryBound(to: UInt8.self)
    let target = compressed.baseAddress!.assumingMemoryBound(to: UInt8.self)
    var compressedLength: lzo_uint = 0
    guard lzo1x_1_compress(source, lzo_uint(Fixture.frameLength), target, &compressedLength, work) == LZO_E_OK else {
        fatalError("lzo1x_1_compress")
    }
    Benchmark("lzo1x_1_compress", configuration: perPacket) { benchmark in
        var written: lzo_uint = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            guard lzo1x_1_compress(source, lzo_uint(Fixture.frameLength), target, &written, work) == LZO_E_OK
            else { fatalError("lzo1x_1_compress") }
        }
        benchmark.stopMeasurement()
        blackHole(written)
    }
    Benchmark("lzo1x_decompress_safe", configuration: perPacket) { benchmark in
        var produced: lzo_uint = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            produced = lzo_uint(maxFrameLength)
            guard lzo1x_decompress_safe(target, compressedLength, output.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                        &produced, nil) == LZO_E_OK
            else { fatalError("lzo1x_decompress_safe") }
        }
        benchmark.stopMeasurement()
        guard produced == Fixture.frameLength else { fatalError("lzo: wrong length") }
    }
}

func zstdBaselines() {
    guard let cctx = ZSTD_createCCtx(), let dctx = ZSTD_createDCtx() else { fatalError("ZSTD_create") }
    guard ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Compressor.defaultZstdLevel)) == 0 else {
        fatalError("ZSTD level")
    }
    let frame = Fixture.frame()
    let compressed = Fixture.datagramBuffer()
    let output = Fixture.datagramBuffer()
    let compressedLength = ZSTD_compress2(cctx, compressed.baseAddress, compressed.count, frame.baseAddress, Fixture.frameLength)
    guard ZSTD_isError(compressedLength) == 0 else { fatalError("ZSTD_compress2") }
    Benchmark("ZSTD_compress2", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            total &+= ZSTD_compress2(cctx, output.baseAddress, output.count, frame.baseAddress, Fixture.frameLength)
        }
        benchmark.stopMeasurement()
        guard total == compressedLength * benchmark.scaledIterations.count else { fatalError("zstd: length changed") }
    }
    Benchmark("ZSTD_decompressDCtx", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            total &+= ZSTD_decompressDCtx(dctx, output.baseAddress, maxFrameLength, compressed.baseAddress, compressedLength)
        }
        benchmark.stopMeasurement()
        guard total == Fixture.frameLength * benchmark.scaledIterations.count else { fatalError("zstd: wrong length") }
    }
}

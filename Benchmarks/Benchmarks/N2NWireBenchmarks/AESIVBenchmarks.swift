import Benchmark
import COpenSSL
import N2NWire

// AES (-A3) on a 1400-byte frame, the transform alone, against the per-packet EVP sequence the
// transform ran before it stopped restarting its CBC context for each IV (ECB block for the IV,
// EVP_CipherInit_ex with it, CBC update of the full blocks, CBC update of the padded last block).
// Both in one run, on the same buffers, with the same random source.

func aesIVBenchmarks() {
    let length = 1400
    let plaintext = Fixture.frame(length: length)
    let output = Fixture.datagramBuffer()
    let decoded = Fixture.datagramBuffer()
    let random = SystemRandom()
    let aes: AESTransform
    do { aes = try AESTransform(passphrase: Fixture.passphrase, random: random) } catch { fatalError("AES: \(error)") }
    let encodedLength: Int
    do { encodedLength = try aes.encode(UnsafeRawBufferPointer(plaintext), into: output) } catch { fatalError("AES: \(error)") }
    let wire = Fixture.datagramBuffer()
    wire.copyMemory(from: UnsafeRawBufferPointer(rebasing: output[..<encodedLength]))
    let sealed = UnsafeRawBufferPointer(rebasing: wire[..<encodedLength])

    Benchmark("encode AES-CBC 1400 B", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        do throws(TransformError) {
            for _ in benchmark.scaledIterations { total &+= try aes.encode(UnsafeRawBufferPointer(plaintext), into: output) }
        } catch { fatalError("encode: \(error)") }
        benchmark.stopMeasurement()
        blackHole(total)
    }
    Benchmark("decode AES-CBC 1400 B", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        do throws(TransformError) {
            for _ in benchmark.scaledIterations { total &+= try aes.decode(sealed, into: decoded) }
        } catch { fatalError("decode: \(error)") }
        benchmark.stopMeasurement()
        guard total == length * benchmark.scaledIterations.count else { fatalError("decode: wrong length") }
    }

    let previous = PerPacketInitAES(passphrase: Fixture.passphrase)
    Benchmark("encode AES-CBC 1400 B, per-packet EVP init (before)", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            total &+= previous.encode(UnsafeRawBufferPointer(plaintext), into: output, random: random)
        }
        benchmark.stopMeasurement()
        blackHole(total)
    }
    Benchmark("decode AES-CBC 1400 B, per-packet EVP init (before)", configuration: perPacket) { benchmark in
        var total = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { total &+= previous.decode(sealed, into: decoded) }
        benchmark.stopMeasurement()
        guard total == length * benchmark.scaledIterations.count else { fatalError("before: wrong length") }
    }
}

/// The EVP calls the transform made per packet up to this change (AES-128 only, no error paths).
final class PerPacketInitAES {
    let encryptor = EVP_CIPHER_CTX_new()!
    let decryptor = EVP_CIPHER_CTX_new()!
    let ivEncryptor = EVP_CIPHER_CTX_new()!
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: 48, alignment: 16)

    init(passphrase: [UInt8]) {
        let keys = AESTransform.Keys(passphrase: passphrase)
        precondition(keys.cipherKey.count == 16, "the benchmark key is AES-128")
        for (context, cipher, key, encrypt) in [(encryptor, EVP_aes_128_cbc(), keys.cipherKey, 1),
                                                (decryptor, EVP_aes_128_cbc(), keys.cipherKey, 0),
                                                (ivEncryptor, EVP_aes_128_ecb(), keys.ivKey, 1)] {
            guard EVP_CipherInit_ex(context, cipher, nil, key, nil, Int32(encrypt)) == 1,
                  EVP_CIPHER_CTX_set_padding(context, 0) == 1 else { fatalError("EVP_CipherInit_ex") }
        }
        keys.ivPad.withUnsafeBytes { scratch.copyMemory(from: $0.baseAddress!, byteCount: 8) }
    }

    @inline(__always)
    func update(_ context: OpaquePointer, _ output: UnsafeMutableRawPointer, _ input: UnsafeRawPointer, _ count: Int) {
        var written: Int32 = 0
        guard EVP_CipherUpdate(context, output.assumingMemoryBound(to: UInt8.self), &written,
                               input.assumingMemoryBound(to: UInt8.self), Int32(count)) == 1 else { fatalError("EVP") }
    }

    @inline(__always)
    func start(_ context: OpaquePointer, seed: UnsafeRawPointer) {
        (scratch + 8).copyMemory(from: seed, byteCount: 8)
        update(ivEncryptor, scratch + 16, scratch, 16)
        guard EVP_CipherInit_ex(context, nil, nil, nil, (scratch + 16).assumingMemoryBound(to: UInt8.self), -1) == 1
        else { fatalError("EVP_CipherInit_ex") }
    }

    func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, random: RandomSource) -> Int {
        let out = output.baseAddress!
        let length = plaintext.count
        let full = length & ~15
        out.storeBytes(of: 1, as: UInt8.self)
        random.fill(UnsafeMutableRawBufferPointer(start: out + 1, count: 8))
        start(encryptor, seed: out + 1)
        if full > 0 { update(encryptor, out + 9, plaintext.baseAddress!, full) }
        let last = scratch + 32
        last.initializeMemory(as: UInt8.self, repeating: 0, count: 16)
        if length > full { last.copyMemory(from: plaintext.baseAddress! + full, byteCount: length - full) }
        last.storeBytes(of: UInt8(16 - (length - full)), toByteOffset: 15, as: UInt8.self)
        update(encryptor, out + 9 + full, last, 16)
        return 9 + full + 16
    }

    func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        let input = payload.baseAddress!
        let leading = payload.count - 9 - 16
        start(decryptor, seed: input + 1)
        if leading > 0 { update(decryptor, output.baseAddress!, input + 9, leading) }
        let last = scratch + 32
        update(decryptor, last, input + 9 + leading, 16)
        let tail = 16 - Int(last.load(fromByteOffset: 15, as: UInt8.self))
        if tail > 0 { (output.baseAddress! + leading).copyMemory(from: last, byteCount: tail) }
        return leading + tail
    }
}

import COpenSSL
import Testing

@testable import N2NWire

fileprivate typealias T = TransformTestSupport

/// The transform no longer restarts its CBC contexts per packet (it folds the IV into the first
/// block); these tests hold it to a straightforward reference that keys fresh EVP contexts with
/// the IV for every packet, as n2n 2.8 does, over random lengths, seeds and interleavings.
@Suite fileprivate struct AESChainingTests {
    /// Seeds from a SplitMix64 stream, so the reference can be given the same ones.
    final class SeededRandom: RandomSource {
        var generator: T.SeededGenerator
        init(seed: UInt64) { generator = T.SeededGenerator(seed: seed) }
        func fill(_ buffer: UnsafeMutableRawBufferPointer) {
            for i in 0..<buffer.count { buffer[i] = UInt8.random(in: 0...255, using: &generator) }
        }
    }

    /// Spec 2.5 with a fresh context per call: IV = AES-128-ECB(IV key, pad ‖ seed), then CBC.
    static func referenceCipher(_ keys: AESTransform.Keys, seed: [UInt8], _ input: [UInt8], encrypt: Bool) -> [UInt8] {
        func run(_ cipher: OpaquePointer?, _ key: [UInt8], _ iv: [UInt8]?, _ input: [UInt8], _ encrypt: Bool) -> [UInt8] {
            let context = EVP_CIPHER_CTX_new()
            defer { EVP_CIPHER_CTX_free(context) }
            var output = [UInt8](repeating: 0, count: input.count + 32)
            var written: Int32 = 0
            let ok = EVP_CipherInit_ex(context, cipher, nil, key, iv, encrypt ? 1 : 0) == 1
                && EVP_CIPHER_CTX_set_padding(context, 0) == 1
                && EVP_CipherUpdate(context, &output, &written, input, Int32(input.count)) == 1
            precondition(ok && Int(written) == input.count, "reference EVP call failed")
            return Array(output[..<input.count])
        }
        let iv = run(EVP_aes_128_ecb(), keys.ivKey, nil, keys.ivPad + seed, true)
        let cbc: OpaquePointer? =
            switch keys.cipherKey.count {
            case 32: EVP_aes_256_cbc()
            case 24: EVP_aes_192_cbc()
            default: EVP_aes_128_cbc()
            }
        return run(cbc, keys.cipherKey, iv, input, encrypt)
    }

    /// The spec 2.5 encoding of `plain` with `seed`, by the reference.
    static func referenceEncode(_ keys: AESTransform.Keys, seed: [UInt8], _ plain: [UInt8]) -> [UInt8] {
        let tail = plain.count % 16
        var padded = plain + [UInt8](repeating: 0, count: 16 - tail)
        padded[padded.count - 1] = UInt8(16 - tail)
        return [1] + seed + referenceCipher(keys, seed: seed, padded, encrypt: true)
    }

    @Test("encode matches a per-packet-keyed reference over 3000 random packets", arguments: [8, 44, 65])
    func encodeMatchesReference(passphraseLength: Int) throws {
        let passphrase = Array(repeating: UInt8(0x40 + passphraseLength), count: passphraseLength)
        let keys = AESTransform.Keys(passphrase: passphrase)
        let seeds = SeededRandom(seed: 7)
        let aes = try AESTransform(passphrase: passphrase, random: seeds)
        var mirror = T.SeededGenerator(seed: 7)  // the same stream: the reference sees the same seeds
        var data = T.SeededGenerator(seed: UInt64(passphraseLength))
        for round in 0..<3000 {
            // Mostly short and boundary lengths, where the first and last block coincide or touch.
            let length = round % 3 == 0 ? Int.random(in: 0...1600, using: &data) : Int.random(in: 0...48, using: &data)
            let plain = data.bytes(length)
            let seed = (0..<8).map { _ in UInt8.random(in: 0...255, using: &mirror) }
            let wire = try T.encode(aes, plain)
            #expect(wire == Self.referenceEncode(keys, seed: seed, plain), "round \(round), length \(length)")
            if wire != Self.referenceEncode(keys, seed: seed, plain) { return }
        }
    }

    @Test("decode matches the reference, interleaved with encodes and failures", arguments: [8, 44, 65])
    func decodeMatchesReference(passphraseLength: Int) throws {
        let passphrase = Array(repeating: UInt8(0x30 + passphraseLength), count: passphraseLength)
        let keys = AESTransform.Keys(passphrase: passphrase)
        let aes = try AESTransform(passphrase: passphrase, random: SeededRandom(seed: 11))
        var data = T.SeededGenerator(seed: 99 &+ UInt64(passphraseLength))
        for round in 0..<2000 {
            let length = round % 2 == 0 ? Int.random(in: 0...1600, using: &data) : Int.random(in: 0...40, using: &data)
            let plain = data.bytes(length)
            let seed = data.bytes(8)
            let wire = Self.referenceEncode(keys, seed: seed, plain)
            #expect(try T.decode(aes, wire, capacity: 2048) == plain, "round \(round), length \(length)")
            switch round % 5 {
            case 1:
                // An encode in between must not disturb the decode context's chain.
                _ = try T.encode(aes, data.bytes(Int.random(in: 0...100, using: &data)))
            case 2:
                // A packet whose padding fails after decrypting still advances the chain correctly.
                var bad = wire
                bad[bad.count - 17] ^= 0xFF
                _ = try? T.decode(aes, bad, capacity: 2048)
            case 3:
                // Random ciphertext of a valid length (random IV, any padding outcome).
                _ = try? T.decode(aes, [1] + data.bytes(8 + 16 * Int.random(in: 1...4, using: &data)), capacity: 2048)
            default: break
            }
        }
    }

    @Test("decode in place (output over the ciphertext) matches the reference")
    func decodeInPlace() throws {
        let passphrase = Array("n2n-test-key".utf8)
        let keys = AESTransform.Keys(passphrase: passphrase)
        let aes = try AESTransform(passphrase: passphrase, random: SeededRandom(seed: 3))
        var data = T.SeededGenerator(seed: 5)
        for length in [0, 1, 15, 16, 17, 31, 32, 33, 1290, 1400] {
            let plain = data.bytes(length)
            var wire = Self.referenceEncode(keys, seed: data.bytes(8), plain)
            let n = try wire.withUnsafeMutableBytes { w in
                try aes.decode(UnsafeRawBufferPointer(w), into: UnsafeMutableRawBufferPointer(rebasing: w[9...]))
            }
            #expect(n == length && Array(wire[9..<(9 + n)]) == plain, "length \(length)")
        }
    }
}

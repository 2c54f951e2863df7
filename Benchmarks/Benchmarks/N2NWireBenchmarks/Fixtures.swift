import N2NWire

/// The bytes every benchmark works on, built once before any measurement.
enum Fixture {
    /// A full-size TCP segment on a 1500-byte MTU overlay minus the n2n header: 1290 bytes.
    static let frameLength = 1290
    /// n2n 2.8's own benchmark tool encodes 512-byte packets.
    static let smallLength = 512
    static let passphrase = Array("n2n-test-key".utf8)
    static let community = Community("bench")
    static let srcMac = MACAddress(0x02, 0, 0, 0, 0xfa, 0x01)

    /// Ethernet + IPv4 + TCP headers, then English-like text: compressible the way web or shell
    /// traffic is, not a run of zeros (which would flatter LZO and zstd).
    static func frame(length: Int = frameLength) -> UnsafeMutableRawBufferPointer {
        let header: [UInt8] = [
            0x02, 0, 0, 0, 0xfa, 0x02, 0x02, 0, 0, 0, 0xfa, 0x01, 0x08, 0x00,  // Ethernet
            0x45, 0, 0x05, 0x08, 0x12, 0x34, 0x40, 0, 0x40, 0x06, 0, 0, 192, 168, 250, 1, 192, 168, 250, 2,  // IPv4
            0xc3, 0x50, 0x00, 0x50, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0x50, 0x18, 0x01, 0xf6, 0, 0, 0, 0,  // TCP
        ]
        let words = ["the", "edge", "sends", "a", "frame", "to", "its", "peer", "over", "UDP", "and", "supernode",
                     "relays", "packets", "when", "no", "direct", "path", "exists", "between", "two", "hosts"]
        var bytes = header
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        while bytes.count < length {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes += Array(words[Int(state % UInt64(words.count))].utf8) + [state & 0xF0 == 0 ? 0x0a : 0x20]
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 16)
        buffer.copyBytes(from: bytes[..<length])
        return buffer
    }

    /// Room for any sealed frame.
    static func datagramBuffer() -> UnsafeMutableRawBufferPointer {
        .allocate(byteCount: maxFrameLength + FramePipeline.maxOverhead, alignment: 16)
    }

    static func pipeline(_ transform: TransformID, compression: CompressionID = .none,
                         headerEncryption: Bool = false) -> FramePipeline {
        let random = SystemRandom()
        do {
            return FramePipeline(community: community,
                                 transform: try transform.makeTransform(passphrase: passphrase, random: random),
                                 compression: compression, headerEncryption: headerEncryption, random: random)
        } catch {
            fatalError("cannot build \(transform): \(error)")
        }
    }
}

extension TransformID {
    /// Benchmark names use these.
    var benchmarkName: String {
        switch self {
        case .null: "null"
        case .twofish: "Twofish"
        case .aesCBC: "AES-CBC"
        case .chacha20: "ChaCha20"
        case .speckCTR: "Speck"
        }
    }
}

/// n2n 3.x's printable form of keys (v3 spec 6.6): six bits per character from the most significant
/// end of the bytes read as one big-endian bit string, over the alphabet below. 32 bytes make 43
/// characters, the last holding the final 4 bits and two zero bits. Used by `n2n-keygen`, the
/// supernode's `* user key` lines and the edge's `-P`.
public enum KeyText {
    public static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+-".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 8 + 5) / 6)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            accumulator = (accumulator << 8) | UInt32(byte)
            bits += 8
            while bits >= 6 {
                bits -= 6
                out.append(alphabet[Int((accumulator >> UInt32(bits)) & 0x3F)])
            }
        }
        if bits > 0 { out.append(alphabet[Int((accumulator << UInt32(6 - bits)) & 0x3F)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case invalidCharacter(Character, position: Int)
        case tooLong(Int, maximum: Int)

        public var description: String {
            switch self {
            case let .invalidCharacter(c, position):
                return "'\(c)' at position \(position + 1) is not a key character (0-9, A-Z, a-z, + and -)"
            case let .tooLong(count, maximum):
                return "\(count) characters where at most \(maximum) are allowed"
            }
        }
    }

    /// The bytes of `text`: one byte whenever 8 bits have accumulated; leftover bits are dropped.
    /// Unlike the reference, any character outside the alphabet is refused.
    public static func decode(_ text: String, maximumLength: Int = 43) throws(DecodeError) -> [UInt8] {
        let characters = Array(text)
        guard characters.count <= maximumLength else { throw .tooLong(characters.count, maximum: maximumLength) }
        var out: [UInt8] = []
        out.reserveCapacity(characters.count * 6 / 8)
        var accumulator: UInt32 = 0
        var bits = 0
        for (position, character) in characters.enumerated() {
            guard let ascii = character.asciiValue, let value = digitValue(ascii) else {
                throw .invalidCharacter(character, position: position)
            }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }

    private static func digitValue(_ ascii: UInt8) -> UInt8? {
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return ascii - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return ascii - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return ascii - UInt8(ascii: "a") + 36
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "-"): return 63
        default: return nil
        }
    }
}

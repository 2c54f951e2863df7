// IP addresses as people write them: `-l` arguments, logs and management replies.
extension IPAddress: CustomStringConvertible {
    /// Dotted-quad IPv4; nil if malformed.
    public init?(ipv4 text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), let octet = UInt8(p) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self = .v4(value)
    }

    /// RFC 4291 2.2 text: eight hex groups, one `::` for a run of zero groups, optionally a
    /// dotted-quad tail (`::ffff:192.0.2.1`). No zone (`%eth0`), no brackets; nil if malformed.
    public init?(ipv6 text: some StringProtocol) {
        guard text.count <= 45, text.allSatisfy(\.isASCII) else { return nil }
        let chars = Array(text.utf8)
        var gap: Int?
        for k in chars.indices.dropLast() where chars[k] == UInt8(ascii: ":") && chars[k + 1] == UInt8(ascii: ":") {
            guard gap == nil else { return nil } // a second "::", or ":::"
            gap = k
        }
        let groups: [UInt16]
        if let gap {
            guard let head = Self.groups(chars[..<gap], dottedTail: false),
                  let tail = Self.groups(chars[(gap + 2)...], dottedTail: true),
                  head.count + tail.count <= 7 else { return nil }
            groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = Self.groups(chars[...], dottedTail: true), all.count == 8 else { return nil }
            groups = all
        }
        var high: UInt64 = 0, low: UInt64 = 0
        for k in 0..<4 {
            high = high << 16 | UInt64(groups[k])
            low = low << 16 | UInt64(groups[4 + k])
        }
        self = .v6(high, low)
    }

    /// Colon-separated hex groups (none for an empty text); the last may be a dotted quad (two groups).
    private static func groups(_ text: ArraySlice<UInt8>, dottedTail: Bool) -> [UInt16]? {
        guard !text.isEmpty else { return [] }
        let pieces = text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (k, piece) in pieces.enumerated() {
            let word = String(decoding: piece, as: UTF8.self)
            if dottedTail, k == pieces.count - 1, piece.contains(UInt8(ascii: ".")) {
                guard case .v4(let a)? = IPAddress(ipv4: word) else { return nil }
                groups += [UInt16(truncatingIfNeeded: a >> 16), UInt16(truncatingIfNeeded: a)]
            } else {
                guard (1...4).contains(piece.count), let g = UInt16(word, radix: 16) else { return nil }
                groups.append(g)
            }
        }
        return groups.count <= 8 ? groups : nil
    }

    /// Either family: dotted quad, or IPv6 text with or without brackets.
    public init?(_ text: some StringProtocol) {
        if let v4 = IPAddress(ipv4: text) {
            self = v4
        } else if text.first == "[", text.last == "]" {
            guard let v6 = IPAddress(ipv6: text.dropFirst().dropLast()) else { return nil }
            self = v6
        } else {
            guard let v6 = IPAddress(ipv6: text) else { return nil }
            self = v6
        }
    }

    /// Dotted quad, or RFC 5952 text (lower case, the longest run of two or more zero groups as `::`).
    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF)"
        case .v6(let high, let low):
            var groups = [UInt16](repeating: 0, count: 8)
            for i in 0..<4 {
                groups[i] = UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(i)))
                groups[4 + i] = UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(i)))
            }
            var bestStart = -1, bestLength = 1, runStart = -1
            for i in 0...8 {
                if i < 8 && groups[i] == 0 {
                    if runStart < 0 { runStart = i }
                } else if runStart >= 0 {
                    if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                    runStart = -1
                }
            }
            func hex(_ range: Range<Int>) -> String {
                groups[range].map { String($0, radix: 16) }.joined(separator: ":")
            }
            if bestStart < 0 { return hex(0..<8) }
            return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
        }
    }
}

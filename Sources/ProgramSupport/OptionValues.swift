/// A value that an option cannot take. The description is the reason, shown after the option
/// and the value ("The value 'x' is invalid for '-p <port>': <reason>").
public struct OptionValueError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// Strict parsers for option values shared by edge and supernode. n2n used `atoi`, which turns
/// garbage into 0 (for `-u`/`-g` that meant root, for ports "any port"); these reject it.
public enum OptionValues {
    /// A decimal integer in `range`; only ASCII digits with an optional leading `-`.
    public static func integer(_ text: String, in range: ClosedRange<Int>) throws(OptionValueError) -> Int {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw OptionValueError("not a decimal number")
        }
        var value = 0
        for d in digits.utf8 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(d - 0x30))
            guard !o1, !o2 else { throw OptionValueError("out of range \(range.lowerBound)...\(range.upperBound)") }
            value = s
        }
        if negative { value = -value }
        guard range.contains(value) else {
            throw OptionValueError("out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A UDP port to bind; 0 lets the system choose.
    public static func localPort(_ text: String) throws(OptionValueError) -> UInt16 {
        UInt16(try integer(text, in: 0...65535))
    }

    /// A UDP port to send to (1...65535).
    public static func remotePort(_ text: String) throws(OptionValueError) -> UInt16 {
        UInt16(try integer(text, in: 1...65535))
    }

    /// A number of data-plane threads.
    public static func workers(_ text: String) throws(OptionValueError) -> Int {
        try integer(text, in: 1...64)
    }

    /// A numeric user or group id; (uid_t)-1 is excluded because setuid treats it as "unchanged".
    public static func accountID(_ text: String) throws(OptionValueError) -> UInt32 {
        UInt32(try integer(text, in: 0...Int(UInt32.max - 1)))
    }
}

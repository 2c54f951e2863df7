/// A JSON value as the management API writes it: no Foundation, keys in the order given, so every
/// reply is byte-for-byte predictable (tests compare text) and fits one datagram.
public enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case null

    func write(into out: inout String) {
        switch self {
        case .string(let s): ManagementJSON.quote(s, into: &out)
        case .int(let v): out += String(v)
        case .uint(let v): out += String(v)
        case .bool(let v): out += v ? "true" : "false"
        case .null: out += "null"
        }
    }
}

/// One JSON object, fields in order.
public typealias JSONFields = [(String, JSONValue)]

public enum ManagementJSON {
    /// `{"k":v,...}` with the fields in order.
    public static func object(_ fields: JSONFields) -> String {
        var out = "{"
        for (i, (key, value)) in fields.enumerated() {
            if i > 0 { out += "," }
            quote(key, into: &out)
            out += ":"
            value.write(into: &out)
        }
        return out + "}"
    }

    /// RFC 8259 string escaping: quote, backslash and control characters.
    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

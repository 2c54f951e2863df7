/// Options read from an n2n configuration file (spec 8.3).
public struct ConfigFileOptions: Sendable, Hashable {
    public var options: [ParsedOption] = []
    /// Lines that were skipped, and options given a value they do not take.
    public var warnings: [String] = []
    /// The first line that makes the configuration unusable (an option missing its value).
    public var error: String?

    public init(options: [ParsedOption] = [], warnings: [String] = [], error: String? = nil) {
        self.options = options
        self.warnings = warnings
        self.error = error
    }
}

/// n2n's configuration-file line grammar, shared by edge and supernode.
///
/// Each line is trimmed of surrounding white space and quote characters; lines shorter than two
/// characters or starting with `#` are ignored. Accepted forms:
///
/// | form | meaning |
/// |---|---|
/// | `--long=value`, `--long value` | long option (exact name) |
/// | `-x=value` | short option with value |
/// | `-x value` | short option with value: everything after the letter, trimmed |
/// | `-xvalue`, `-xyz` | read like one command-line argument: attached value (`-A3`, `-kkey`) or a cluster of flags (`-vvv`) |
/// | `-x`, `--long` | flag, or bare `-A` / `-z` |
///
/// Differences from n2n 2.8, all of them fixes: the edge dereferenced a null value for `-x value`
/// and for any value option written without one, and crashed (spec 10.4 item 32); it is accepted
/// here as the supernode accepts it, and a missing value is an error. The supernode dropped the
/// first character of an attached value (`-l7654` meant port 654); here it means 7654. The edge
/// split `-x...` at the first `=` anywhere in the line (`-k my=key` gave the key `key`); here only an
/// `=` right after the letter separates. Values of every form are trimmed of white space and quotes
/// (the 2.8 edge left the opening quote of `-c="a b"` in the value). Unknown options are warned
/// about and skipped, as in 2.8 (which silently ignored unknown long names).
public enum ConfigFileGrammar {
    public static func parse(_ text: String, path: String, table: OptionTable) -> ConfigFileOptions {
        var result = ConfigFileOptions()
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so it has to be named as a separator of its own.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = trim(rawLine)
            if line.utf8.count < 2 || line.hasPrefix("#") { continue }
            let origin = OptionOrigin.configFile(path: path, line: lineNumber)
            if line.hasPrefix("--") {
                parseLong(line.dropFirst(2), origin: origin, table: table, into: &result)
            } else if line.hasPrefix("-") {
                parseShort(line, origin: origin, table: table, into: &result)
            } else {
                result.warnings.append("\(origin): skipping unrecognized line: \(line)")
            }
            if result.error != nil { break }
        }
        return result
    }

    /// Removes white space and `"` / `'` from both ends, as n2n's `trim()` does.
    public static func trim(_ text: Substring) -> Substring {
        func strip(_ c: Character) -> Bool { c.isWhitespace || c == "\"" || c == "'" }
        var s = text
        while let c = s.first, strip(c) { s = s.dropFirst() }
        while let c = s.last, strip(c) { s = s.dropLast() }
        return s
    }

    private static func parseLong(
        _ body: Substring, origin: OptionOrigin, table: OptionTable, into result: inout ConfigFileOptions
    ) {
        let separator = body.firstIndex { $0 == "=" || $0.isWhitespace }
        let name = String(body[..<(separator ?? body.endIndex)])
        let value = separator.map { String(trim(body[body.index(after: $0)...])) }
        guard let spec = table.spec(longExactly: name) else {
            result.warnings.append("\(origin): unknown option '--\(name)' ignored")
            return
        }
        add(spec, value: value, spelling: "--\(name)", origin: origin, into: &result)
    }

    private static func parseShort(
        _ line: Substring, origin: OptionOrigin, table: OptionTable, into result: inout ConfigFileOptions
    ) {
        let letter = line[line.index(after: line.startIndex)]
        guard let spec = table.spec(short: letter) else {
            result.warnings.append("\(origin): unknown option '-\(letter)' ignored")
            return
        }
        let rest = line.dropFirst(2)
        guard let next = rest.first else {
            add(spec, value: nil, spelling: "-\(letter)", origin: origin, into: &result)
            return
        }
        if next == "=" {
            add(spec, value: String(trim(rest.dropFirst())), spelling: "-\(letter)", origin: origin, into: &result)
        } else if next.isWhitespace {
            // `-x value`: the 2.8 edge crashed here (spec 10.4 item 32); accepted as the supernode does.
            add(spec, value: String(trim(rest)), spelling: "-\(letter)", origin: origin, into: &result)
        } else {
            let parsed = ArgvNormaliser.tokenise([String(line)], table: table, origin: origin)
            result.options.append(contentsOf: parsed.options)
            switch parsed.error {
            case .none: break
            case .unknownOption(let o)?:
                result.warnings.append("\(origin): unknown option '\(o)' in '\(line)' ignored")
            case let error?:
                result.error = "\(origin): \(error)"
            }
        }
    }

    private static func add(
        _ spec: OptionSpec, value: String?, spelling: String, origin: OptionOrigin,
        into result: inout ConfigFileOptions
    ) {
        switch spec.argument {
        case .none:
            if let value, !value.isEmpty {
                result.warnings.append("\(origin): option '\(spelling)' takes no value; '\(value)' ignored")
            }
            result.options.append(ParsedOption(key: spec.key, value: nil, spelling: spelling, origin: origin))
        case .required:
            guard let value else {
                result.error = "\(origin): option '\(spelling)' requires a value"
                return
            }
            result.options.append(ParsedOption(key: spec.key, value: value, spelling: spelling, origin: origin))
        case .optionalAttached:
            result.options.append(ParsedOption(key: spec.key, value: value, spelling: spelling, origin: origin))
        }
    }
}

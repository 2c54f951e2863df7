/// The option vocabulary of an n2n program, in the terms of getopt_long: one short letter per option
/// (plus optional long names), and whether the option takes no value, a required value, or an
/// optional value that must be attached (`-A3`, `-z1`; getopt's `::`).
public struct OptionSpec: Sendable, Hashable {
    public enum Argument: Sendable, Hashable {
        case none
        case required
        /// getopt's optional argument: only an attached value counts (`-A3`); a bare `-A`
        /// means `bareValue`.
        case optionalAttached(bareValue: String)
    }

    /// Identifies the option in `ParsedOption.key`: the short letter as a string, or the long
    /// name for long-only options.
    public let key: String
    public let short: Character?
    public let longNames: [String]
    public let argument: Argument

    public init(short: Character, long: [String] = [], argument: Argument = .none) {
        key = String(short)
        self.short = short
        longNames = long
        self.argument = argument
    }

    public init(longOnly name: String, argument: Argument = .none) {
        key = name
        short = nil
        longNames = [name]
        self.argument = argument
    }

    public var takesValue: Bool {
        if case .none = argument { return false }
        return true
    }

    /// How the option is usually written, for messages: `-c` or `--version`.
    public var displayName: String {
        if let short { return "-\(short)" }
        return "--\(key)"
    }
}

/// The options a program accepts.
public struct OptionTable: Sendable {
    public let specs: [OptionSpec]

    public init(_ specs: [OptionSpec]) {
        self.specs = specs
    }

    public func spec(short: Character) -> OptionSpec? {
        specs.first { $0.short == short }
    }

    public func spec(key: String) -> OptionSpec? {
        specs.first { $0.key == key }
    }

    public func spec(longExactly name: String) -> OptionSpec? {
        specs.first { $0.longNames.contains(name) }
    }

    /// The option's value, with a bare optional-value option (`-A`) meaning its documented default.
    public func effectiveValue(of option: ParsedOption) -> String? {
        if option.value == nil, case let .optionalAttached(bare)? = spec(key: option.key)?.argument { return bare }
        return option.value
    }

    /// getopt_long's lookup: an exact long name, else an unambiguous prefix of one.
    public func spec(longPrefix name: String) throws(OptionSyntaxError) -> OptionSpec {
        if let exact = spec(longExactly: name) { return exact }
        var matches: [(name: String, spec: OptionSpec)] = []
        for spec in specs {
            for long in spec.longNames where !name.isEmpty && long.hasPrefix(name) {
                matches.append((long, spec))
            }
        }
        guard let first = matches.first else { throw .unknownOption("--\(name)") }
        if matches.allSatisfy({ $0.spec.key == first.spec.key }) { return first.spec }
        throw .ambiguousOption("--\(name)", candidates: matches.map { "--\($0.name)" })
    }
}

/// Where an option came from, for messages.
public enum OptionOrigin: Sendable, Hashable, CustomStringConvertible {
    case commandLine
    case configFile(path: String, line: Int)

    public var description: String {
        switch self {
        case .commandLine: "command line"
        case let .configFile(path, line): "\(path):\(line)"
        }
    }
}

/// One option occurrence, in order of appearance.
public struct ParsedOption: Sendable, Hashable {
    /// `OptionSpec.key` of the option.
    public var key: String
    /// The value; nil for flags and for a bare optional-value option (`-A`).
    public var value: String?
    /// The option as written (`-c`, `--community`), for messages.
    public var spelling: String
    public var origin: OptionOrigin

    public init(key: String, value: String?, spelling: String, origin: OptionOrigin = .commandLine) {
        self.key = key
        self.value = value
        self.spelling = spelling
        self.origin = origin
    }
}

/// Syntax errors of the getopt layer (the option text itself, not its value).
public enum OptionSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownOption(String)
    case ambiguousOption(String, candidates: [String])
    case missingValue(String)
    case unexpectedValue(String, value: String)

    public var description: String {
        switch self {
        case let .unknownOption(o): "unknown option '\(o)'"
        case let .ambiguousOption(o, c): "option '\(o)' is ambiguous (could be \(c.joined(separator: ", ")))"
        case let .missingValue(o): "option '\(o)' requires a value"
        case let .unexpectedValue(o, v): "option '\(o)' takes no value (got '\(v)')"
        }
    }
}

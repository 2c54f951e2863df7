/// The n2n programs parse their arguments with GNU getopt_long. swift-argument-parser accepts a
/// different dialect (no attached optional values such as `-A3`, no long-name abbreviations), so the
/// arguments are first split here with getopt's rules into `ParsedOption`s, then rendered back into
/// one canonical form (`-x` or `-x value`) that the argument parser reads without ambiguity.
///
/// getopt rules reproduced:
/// * `-abc` is a cluster of flags; the first option in it that takes a value takes the rest of the
///   cluster (`-kmykey`), or, if nothing is left, the next argument whatever it looks like (`-k -x`).
/// * Options with an optional value (`-A`, `-z`) only take an attached value; `-A 3` is a bare
///   `-A` followed by the non-option `3`.
/// * `--name=value`, `--name value`; a long name may be abbreviated to an unambiguous prefix.
/// * `--` ends the options; `-` alone is a non-option.
/// * Non-options may appear anywhere (GNU permutation); they are returned separately.
/// Like getopt, tokenising stops at the first error; the options before it are returned.
public struct NormalisedArguments: Sendable, Hashable {
    public var options: [ParsedOption] = []
    public var positionals: [String] = []
    public var error: OptionSyntaxError?

    public init(options: [ParsedOption] = [], positionals: [String] = [], error: OptionSyntaxError? = nil) {
        self.options = options
        self.positionals = positionals
        self.error = error
    }
}

public enum ArgvNormaliser {
    /// Splits `arguments` (without the program name) with getopt_long's rules.
    public static func tokenise(
        _ arguments: some Collection<String>, table: OptionTable, origin: OptionOrigin = .commandLine
    ) -> NormalisedArguments {
        var result = NormalisedArguments()
        let args = Array(arguments)
        var index = 0
        while index < args.count {
            let arg = args[index]
            index += 1
            if arg == "--" {
                result.positionals.append(contentsOf: args[index...])
                break
            }
            do throws(OptionSyntaxError) {
                if arg.hasPrefix("--") {
                    try longOption(arg, args: args, index: &index, table: table, origin: origin, into: &result)
                } else if arg.hasPrefix("-") && arg.count > 1 {
                    try shortCluster(arg, args: args, index: &index, table: table, origin: origin, into: &result)
                } else {
                    result.positionals.append(arg)
                }
            } catch {
                result.error = error
                break
            }
        }
        return result
    }

    private static func longOption(
        _ arg: String, args: [String], index: inout Int, table: OptionTable, origin: OptionOrigin,
        into result: inout NormalisedArguments
    ) throws(OptionSyntaxError) {
        let body = arg.dropFirst(2)
        let name: Substring
        var value: String?
        if let eq = body.firstIndex(of: "=") {
            name = body[..<eq]
            value = String(body[body.index(after: eq)...])
        } else {
            name = body
        }
        let spec = try table.spec(longPrefix: String(name))
        let spelling = "--" + (spec.longNames.first { $0.hasPrefix(name) } ?? String(name))
        switch spec.argument {
        case .none:
            if let value { throw .unexpectedValue(spelling, value: value) }
        case .required:
            if value == nil {
                guard index < args.count else { throw .missingValue(spelling) }
                value = args[index]
                index += 1
            }
        case .optionalAttached:
            break  // only `--name=value` carries a value
        }
        result.options.append(ParsedOption(key: spec.key, value: value, spelling: spelling, origin: origin))
    }

    private static func shortCluster(
        _ arg: String, args: [String], index: inout Int, table: OptionTable, origin: OptionOrigin,
        into result: inout NormalisedArguments
    ) throws(OptionSyntaxError) {
        var rest = arg.dropFirst()
        while let letter = rest.first {
            rest = rest.dropFirst()
            guard let spec = table.spec(short: letter) else { throw .unknownOption("-\(letter)") }
            let spelling = "-\(letter)"
            switch spec.argument {
            case .none:
                result.options.append(ParsedOption(key: spec.key, value: nil, spelling: spelling, origin: origin))
            case .required:
                let value: String
                if !rest.isEmpty {
                    value = String(rest)
                } else {
                    guard index < args.count else { throw .missingValue(spelling) }
                    value = args[index]
                    index += 1
                }
                result.options.append(ParsedOption(key: spec.key, value: value, spelling: spelling, origin: origin))
                return
            case .optionalAttached:
                let value = rest.isEmpty ? nil : String(rest)
                result.options.append(ParsedOption(key: spec.key, value: value, spelling: spelling, origin: origin))
                return
            }
        }
    }

    /// Renders options as `-x` / `-x value` for swift-argument-parser (whose value-taking options
    /// must then be declared with `.unconditional` parsing so that values starting with `-` are
    /// kept). A bare optional-value option becomes its documented default (`-A` → `-A 3`).
    /// Options without a short letter are rendered as `--name`, `--name value` (so that an empty
    /// value stays a value) or, for an optional value, `--name=value`.
    public static func render(_ options: [ParsedOption], table: OptionTable) -> [String] {
        var out: [String] = []
        out.reserveCapacity(options.count * 2)
        for option in options {
            guard let spec = table.spec(key: option.key) else { continue }
            guard let short = spec.short else {
                switch (spec.argument, option.value) {
                case (.required, let value):
                    out += ["--\(spec.key)", value ?? ""]
                case let (_, value?):
                    out.append("--\(spec.key)=\(value)")
                case (_, nil):
                    out.append("--\(spec.key)")
                }
                continue
            }
            out.append("-\(short)")
            switch spec.argument {
            case .none:
                break
            case .required:
                out.append(option.value ?? "")
            case let .optionalAttached(bareValue):
                out.append(option.value ?? bareValue)
            }
        }
        return out
    }
}

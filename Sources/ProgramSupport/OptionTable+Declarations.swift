#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a program's option declarations could not be turned into an `OptionTable`. Always a
/// programming error (caught by the CLI tests), never something the user typed.
public struct OptionDeclarationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "option declarations: \(reason)" }
}

extension OptionTable {
    /// Derives the getopt vocabulary from the argument parser's own description of a command
    /// (swift-argument-parser's tool-info JSON, `ParsableCommand._dumpHelp()`), so that the
    /// `@Option`/`@Flag` declarations are the single list of options: the command line, the
    /// configuration-file grammar and the help all follow from them.
    ///
    /// Each option's first short name is its getopt letter and its long names are getopt's long
    /// names; options become `.required`, flags `.none`. Options must be declared with
    /// `.unconditional` (or `.unconditionalSingleValue`) parsing, as getopt reads values. The one thing the argument parser cannot
    /// say is getopt's optional attached value (`-A3`, bare `-A`): `attachedValueDefaults` maps such
    /// options' letters to the value a bare occurrence means.
    public init(
        declarations json: String, attachedValueDefaults: [Character: String] = [:]
    ) throws(OptionDeclarationError) {
        let info: DeclaredTool
        do {
            info = try JSONDecoder().decode(DeclaredTool.self, from: Data(json.utf8))
        } catch {
            throw OptionDeclarationError("unreadable tool info: \(error)")
        }
        guard info.serializationVersion == 0 else {
            throw OptionDeclarationError("tool info version \(info.serializationVersion) is not supported")
        }
        var specs: [OptionSpec] = []
        var unusedDefaults = attachedValueDefaults
        for argument in info.command.arguments ?? [] {
            let names = argument.names ?? []
            let shorts = names.filter { $0.kind == "short" }.compactMap(\.name.first)
            let longs = names.filter { $0.kind == "long" }.map(\.name)
            if let odd = names.first(where: { $0.kind != "short" && $0.kind != "long" }) {
                throw OptionDeclarationError("'\(odd.name)': getopt has no \(odd.kind) names")
            }
            let bare: String? = shorts.first.flatMap { unusedDefaults.removeValue(forKey: $0) }
            let kind: OptionSpec.Argument
            switch argument.kind {
            case "flag":
                if bare != nil { throw OptionDeclarationError("flag -\(shorts[0]) cannot take an attached value") }
                kind = .none
            case "option":
                // getopt takes the next argument as the value whatever it looks like (`-k -x`), and
                // the canonical command line relies on the argument parser doing the same.
                guard argument.parsingStrategy == "unconditional" else {
                    let name = names.first.map(\.name) ?? "?"
                    throw OptionDeclarationError("option '\(name)' must parse its value unconditionally, as getopt does")
                }
                kind = bare.map { .optionalAttached(bareValue: $0) } ?? .required
            default:
                throw OptionDeclarationError("\(argument.kind) arguments have no getopt form")
            }
            if let short = shorts.first {
                specs.append(OptionSpec(short: short, long: longs, argument: kind))
            } else if let long = longs.first, longs.count == 1 {
                specs.append(OptionSpec(longOnly: long, argument: kind))
            } else {
                throw OptionDeclarationError("an option needs a short name or exactly one long name: \(longs)")
            }
        }
        if let stray = unusedDefaults.keys.first {
            throw OptionDeclarationError("attached-value default for -\(stray), which is not a declared option")
        }
        let names = specs.map(\.key) + specs.flatMap { $0.short == nil ? [] : $0.longNames }
        if Set(names).count != names.count {
            throw OptionDeclarationError("two options share a name: \(names)")
        }
        self.init(specs)
    }
}

/// The part of swift-argument-parser's tool-info JSON (`ToolInfoV0`) that getopt needs.
private struct DeclaredTool: Decodable {
    struct Command: Decodable {
        var arguments: [Argument]?
    }

    struct Argument: Decodable {
        var kind: String
        var parsingStrategy: String?
        var names: [Name]?
    }

    struct Name: Decodable {
        var kind: String
        var name: String
    }

    var serializationVersion: Int
    var command: Command
}

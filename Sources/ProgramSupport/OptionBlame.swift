/// Finding which option a value error came from, so that an error in a configuration file can
/// name the file and the line. The argument parser reads the canonical command line that
/// `ArgvNormaliser.render` makes of the file's and the command line's options together, and its
/// errors no longer know where an option was written.
public enum OptionBlame {
    /// The first option that `accepts` rejects when given alone (every option is optional, so an
    /// option on its own only fails for its own value).
    public static func firstRejected(
        _ options: [ParsedOption], accepts: ([ParsedOption]) -> Bool
    ) -> ParsedOption? {
        options.first { !accepts([$0]) }
    }

    /// The message for the argument parser's `error` about the rendered `options`: when the first
    /// option it rejects on its own came from a configuration file, that option's own message after
    /// its `file:line:`; otherwise the message as it was. `parse` runs the argument parser on a
    /// canonical command line, `describe` gives its message for an error.
    public static func message(
        for error: any Error, options: [ParsedOption], table: OptionTable,
        parse: ([String]) throws -> Void, describe: (any Error) -> String
    ) -> String {
        var culpritError: (any Error)?
        let culprit = firstRejected(options) { one in
            do {
                try parse(ArgvNormaliser.render(one, table: table))
                return true
            } catch {
                culpritError = error
                return false
            }
        }
        if let culprit, let culpritError, case .configFile = culprit.origin {
            return culprit.origin.messagePrefix + describe(culpritError)
        }
        return describe(error)
    }
}

extension OptionOrigin {
    /// `"path:line: "` before a message about an option from a configuration file; nothing for the
    /// command line, whose messages stay as they were.
    public var messagePrefix: String {
        switch self {
        case .commandLine: ""
        case .configFile: "\(self): "
        }
    }
}

/// What a program should do when its command line asks it to stop before running: print
/// `output` on standard output, `errorOutput` on standard error, and exit with `status`.
/// Kept as data so that exit codes and texts can be tested without exiting.
public struct CommandLineExit: Sendable, Hashable {
    public var status: Int32
    public var output: String
    public var errorOutput: String

    public init(status: Int32, output: String = "", errorOutput: String = "") {
        self.status = status
        self.output = output
        self.errorOutput = errorOutput
    }
}

/// The result of evaluating a command line: run with a configuration (after logging the
/// warnings), or exit.
public enum CommandLineOutcome<Configuration: Sendable>: Sendable {
    case run(Configuration, warnings: [String])
    case exit(CommandLineExit)

    public var configuration: Configuration? {
        if case let .run(c, _) = self { return c }
        return nil
    }

    public var warnings: [String] {
        if case let .run(_, w) = self { return w }
        return []
    }

    public var exitRequest: CommandLineExit? {
        if case let .exit(e) = self { return e }
        return nil
    }
}

/// "USAGE: " before the first line of a usage text and the same indent before the others, as
/// swift-argument-parser lays out its help.
public func formatUsage(_ usage: String) -> String {
    let lines = usage.split(separator: "\n", omittingEmptySubsequences: false)
    var out = ""
    for (i, line) in lines.enumerated() {
        out += (i == 0 ? "USAGE: " : "       ") + line + "\n"
    }
    return out
}

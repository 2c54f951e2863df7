/// A request of the n2n 3.x JSON management API (its doc/ManagementAPI.md):
/// `<type> <tag>[:<flags>[:<auth>]] <method> [args]`, one line of at most 80 bytes, where type is
/// `r` (read), `w` (write) or `s` (subscribe). Anything not starting `r `, `w ` or `s ` is a 2.8
/// text command and never reaches this parser.
public struct ManagementRequest: Sendable, Equatable {
    public enum Kind: Character, Sendable { case read = "r", write = "w", subscribe = "s" }

    public static let maxLength = 80

    public var kind: Kind
    public var tag: String
    public var flags: UInt32
    /// Present when flag 1 is set.
    public var auth: String?
    public var method: String
    /// Whatever follows the method, trimmed.
    public var arguments: String

    /// Does this datagram belong to the JSON API (`r `, `w ` or `s ` first)?
    public static func isJSON(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && (bytes[0] == UInt8(ascii: "r") || bytes[0] == UInt8(ascii: "w") || bytes[0] == UInt8(ascii: "s"))
            && bytes[1] == UInt8(ascii: " ")
    }

    /// Parses a datagram that `isJSON` accepted. The error carries the tag when it was read.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(ManagementRequestError) {
        guard bytes.count <= Self.maxLength else { throw ManagementRequestError(.tooLong, tag: nil) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ManagementRequestError(.badEncoding, tag: nil) }
        // One line: a trailing newline (echo | nc) is fine, anything after it is not.
        var line = Substring(text)
        while let last = line.last, last == "\n" || last == "\r" { line.removeLast() }
        guard !line.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) else {
            throw ManagementRequestError(.badRequest, tag: nil)
        }
        let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
        guard let first = fields.first, first.count == 1, let kind = Kind(rawValue: first.first!) else {
            throw ManagementRequestError(.badType, tag: nil)
        }
        guard fields.count >= 2 else { throw ManagementRequestError(.noTag, tag: nil) }
        let options = fields[1].split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        let tag = String(options[0])
        guard !tag.isEmpty else { throw ManagementRequestError(.noTag, tag: nil) }
        var flags: UInt32 = 0
        if options.count >= 2, !options[1].isEmpty {
            guard let f = UInt32(options[1], radix: 16) else { throw ManagementRequestError(.badFlags, tag: tag) }
            flags = f
        }
        var auth: String?
        if flags & 1 != 0 {
            guard options.count == 3 else { throw ManagementRequestError(.badFlags, tag: tag) }
            auth = String(options[2])
        }
        guard fields.count >= 3 else { throw ManagementRequestError(.noMethod, tag: tag) }
        self.kind = kind
        self.tag = tag
        self.flags = flags
        self.auth = auth
        method = String(fields[2])
        arguments = fields.count == 4 ? String(fields[3]).trimmingSpaces : ""
    }
}

/// Why a request was refused; `code` is the `error` field of the reply.
public struct ManagementRequestError: Error, Sendable, Equatable {
    public enum Code: String, Sendable {
        case tooLong = "toolong", badEncoding = "badencoding", badRequest = "badrequest", badType = "badtype"
        case noTag = "notag", badFlags = "badflags", noMethod = "nomethod"
        case unknownMethod = "unknowncmd", readOnly = "readonly", badAuth = "badauth", badArgument = "badarg"
        case unknownTopic = "unknowntopic", rateLimited = "ratelimited", writeOnly = "writeonly"
        /// `reload_communities` on a supernode started without `-c`, or whose file cannot be read.
        case noFile = "nofile", reloadFailed = "reloadfailed"
    }
    public var code: Code
    public var tag: String?
    public init(_ code: Code, tag: String?) {
        self.code = code
        self.tag = tag
    }

    /// The error datagram (`_tag` only when known).
    public var reply: String {
        var fields: JSONFields = []
        if let tag { fields.append(("_tag", .string(tag))) }
        fields.append(("_type", .string("error")))
        fields.append(("error", .string(code.rawValue)))
        return ManagementJSON.object(fields)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// The framing of a JSON reply: `begin` (echoing the method in `cmd`), one `row` per object, `end`.
/// A reply never exceeds `maxDatagrams`: rows past that are left out and `end` says how many.
public enum ManagementReply {
    public static let maxDatagrams = 128

    public static func framed(tag: String, method: String, rows: [JSONFields]) -> [String] {
        let room = maxDatagrams - 2
        var out = [ManagementJSON.object([("_tag", .string(tag)), ("_type", .string("begin")), ("cmd", .string(method))])]
        for row in rows.prefix(room) {
            out.append(ManagementJSON.object([("_tag", .string(tag)), ("_type", .string("row"))] + row))
        }
        var end: JSONFields = [("_tag", .string(tag)), ("_type", .string("end"))]
        if rows.count > room { end.append(("truncated", .int(Int64(rows.count - room)))) }
        out.append(ManagementJSON.object(end))
        return out
    }

    /// An asynchronous event for a subscriber (`_type` = event).
    public static func event(tag: String, topic: String, _ fields: JSONFields) -> String {
        ManagementJSON.object([("_tag", .string(tag)), ("_type", .string("event")), ("topic", .string(topic))] + fields)
    }
}

/// A method of the JSON API: its name, whether it changes state (needs `w` and the password), help.
public struct ManagementMethod: Sendable {
    public var name: String
    public var writes: Bool
    public var help: String
    public init(_ name: String, writes: Bool = false, _ help: String) {
        self.name = name
        self.writes = writes
        self.help = help
    }

    static func helpRows(_ methods: [ManagementMethod]) -> [JSONFields] {
        methods.map { [("cmd", .string($0.name)), ("help", .string($0.writes ? "\($0.help) (w)" : $0.help))] }
    }
}

/// What the host must do after answering: nothing, stop, change verbosity, add a subscriber, or
/// carry out one of its `hostWrites` and send the reply itself.
public enum ManagementAction: Sendable, Equatable {
    case none
    case stop
    case setVerbosity(Int)
    case subscribe(topic: String, tag: String)
    case carryOut(method: String, tag: String)
}

/// The answer to one request: the datagrams to send back, then the action.
public struct ManagementOutcome: Sendable, Equatable {
    public var datagrams: [String]
    public var action: ManagementAction
    public init(_ datagrams: [String], action: ManagementAction = .none) {
        self.datagrams = datagrams
        self.action = action
    }
}

/// The rules every program's API shares: type, method, password, subscribe topic.
public struct ManagementAuthority: Sendable {
    public var password: String
    public init(password: String) { self.password = password }

    /// Checks a parsed request against the method table; returns the method or the error.
    public func admit(_ request: ManagementRequest, methods: [ManagementMethod],
                      topics: [String]) throws(ManagementRequestError) -> ManagementMethod? {
        if request.kind == .subscribe {
            guard request.auth == password else { throw ManagementRequestError(.badAuth, tag: request.tag) }
            guard topics.contains(request.method) else { throw ManagementRequestError(.unknownTopic, tag: request.tag) }
            return nil
        }
        guard let method = methods.first(where: { $0.name == request.method }) else {
            throw ManagementRequestError(.unknownMethod, tag: request.tag)
        }
        if request.kind == .write {
            guard method.writes else { throw ManagementRequestError(.readOnly, tag: request.tag) }
            guard request.auth == password else { throw ManagementRequestError(.badAuth, tag: request.tag) }
        }
        return method
    }
}

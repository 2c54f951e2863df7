/// One program's n2n 3.x JSON API: its methods and topics, and the rows of its read-only methods
/// rendered from its snapshot. Parsing, the password rule, subscriptions and the methods both
/// programs share (help, verbose, stop) are answered here, once for both.
public protocol ManagementJSONAPI: Sendable {
    associatedtype Snapshot
    static var methods: [ManagementMethod] { get }
    static var topics: [String] { get }
    var authority: ManagementAuthority { get }
    /// The rows of a read-only method (the method is one of `methods`).
    static func rows(_ method: String, _ snapshot: Snapshot) -> [JSONFields]
    /// Write-only methods the host program carries out and answers itself (`.carryOut`), because
    /// their rows depend on what the action did rather than on the snapshot.
    static var hostWrites: Set<String> { get }
}

extension ManagementJSONAPI {
    public static var hostWrites: Set<String> { [] }

    /// A Unix time of last contact under both names 3.x uses: `last_seen` (what its programs send
    /// and its n2n-ctl reads) and `lastseen` (its ManagementAPI.md example).
    static func lastSeen(_ unixTime: Int64) -> JSONFields {
        [("last_seen", .int(unixTime)), ("lastseen", .int(unixTime))]
    }

    /// Answers one JSON request. `verbosity` is the current level (for `verbose`).
    public func handle(_ bytes: UnsafeRawBufferPointer, verbosity: Int, snapshot: () -> Snapshot) -> ManagementOutcome {
        do throws(ManagementRequestError) {
            let request = try ManagementRequest(parsing: bytes)
            guard let method = try authority.admit(request, methods: Self.methods, topics: Self.topics) else {
                // 3.x answers `subscribe` with the topic (its n2n-ctl waits for exactly that type).
                return ManagementOutcome([ManagementJSON.object([("_tag", .string(request.tag)), ("_type", .string("subscribe")),
                                                                 ("topic", .string(request.method))])],
                                         action: .subscribe(topic: request.method, tag: request.tag))
            }
            return try answer(request, method: method, verbosity: verbosity, snapshot: snapshot)
        } catch {
            return ManagementOutcome([error.reply])
        }
    }

    private func answer(_ request: ManagementRequest, method: ManagementMethod, verbosity: Int,
                        snapshot: () -> Snapshot) throws(ManagementRequestError) -> ManagementOutcome {
        let tag = request.tag
        func reply(_ rows: [JSONFields], _ action: ManagementAction = .none) -> ManagementOutcome {
            ManagementOutcome(ManagementReply.framed(tag: tag, method: method.name, rows: rows), action: action)
        }
        if Self.hostWrites.contains(method.name) {
            guard request.kind == .write else { throw ManagementRequestError(.writeOnly, tag: tag) }
            return ManagementOutcome([], action: .carryOut(method: method.name, tag: tag))
        }
        switch method.name {
        case "help": return reply(ManagementMethod.helpRows(Self.methods))
        case "verbose":
            guard request.kind == .write else { return reply([[("traceLevel", .int(Int64(verbosity)))]]) }
            guard let level = Int(request.arguments), (0...4).contains(level) else {
                throw ManagementRequestError(.badArgument, tag: tag)
            }
            return reply([[("traceLevel", .int(Int64(level)))]], .setVerbosity(level))
        case "stop":
            let stopping = request.kind == .write
            return reply([[("keep_running", .int(stopping ? 0 : 1))]], stopping ? .stop : .none)
        default:
            return reply(Self.rows(method.name, snapshot()))
        }
    }
}

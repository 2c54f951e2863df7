/// What a reload of the `-c` community file changed (`SupernodeEngine.replaceWhitelist`).
public struct WhitelistChange: Sendable, Equatable, CustomStringConvertible {
    /// Names newly listed, in file order.
    public var added: [String] = []
    /// Names no longer listed; their edges were dropped.
    public var removed: [String] = []
    public var edgesDropped = 0
    /// Communities listed after the reload.
    public var listed = 0

    public init() {}

    public var description: String {
        var parts = ["\(listed) listed"]
        if !added.isEmpty { parts.append("added \(added.joined(separator: ", "))") }
        if !removed.isEmpty { parts.append("removed \(removed.joined(separator: ", ")) (\(edgesDropped) edges dropped)") }
        return parts.joined(separator: "; ")
    }
}

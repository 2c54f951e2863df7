#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A user account as far as dropping privileges is concerned.
public struct AccountIDs: Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }
}

/// What to do about privileges after the TAP device and sockets are open.
public enum PrivilegePlan: Sendable, Hashable {
    /// Switch to these ids. `source` says why, for the log ("-u/-g", "user n2n", ...).
    case drop(AccountIDs, source: String)
    /// Stay as we are; `reason` is worth logging (running as root is discouraged).
    case keep(reason: String)
}

/// Why privileges could not be dropped (spec 8.5: exit 1).
public enum PrivilegeDropError: Error, Sendable, Hashable, CustomStringConvertible {
    case setgroups(errno: Int32)
    case setgid(UInt32, errno: Int32)
    case setuid(UInt32, errno: Int32)
    /// The calls returned success but the ids are not what was asked for, or root can be regained.
    case notEffective(String)

    public var description: String {
        func err(_ e: Int32) -> String { String(cString: strerror(e)) }
        switch self {
        case let .setgroups(e): return "unable to drop privileges: setgroups([]) failed: \(err(e))"
        case let .setgid(g, e): return "unable to drop privileges: setgid(\(g)) failed: \(err(e))"
        case let .setuid(u, e): return "unable to drop privileges: setuid(\(u)) failed: \(err(e))"
        case let .notEffective(what): return "unable to drop privileges: \(what)"
        }
    }
}

/// Privilege dropping done as n2n intended (spec 8.1, 8.2) rather than as 2.8's supernode did it
/// (spec 10.2 item 18: when user `n2n` or `nobody` existed, a given `-u`/`-g` was replaced by 0 and
/// the supernode stayed root).
public enum PrivilegeDrop {
    /// Accounts to fall back on when neither `-u` nor `-g` is given, in order.
    public static let defaultUserNames = ["n2n", "nobody"]

    /// Decides the target ids.
    /// * `-u`/`-g` given: use them. A missing `-g` is the primary group of the `-u` user if it has
    ///   a passwd entry, else the default account's group; a missing `-u` is the default account's
    ///   uid, else the current one.
    /// * Neither given: the uid/gid of user `n2n`, else `nobody`, if one exists and we are root.
    /// * Root (0/0) as the target means no drop.
    public static func plan(
        requestedUID: UInt32?, requestedGID: UInt32?,
        effectiveUID: UInt32, effectiveGID: UInt32,
        userNamed: (String) -> AccountIDs?,
        userWithID: (UInt32) -> AccountIDs?
    ) -> PrivilegePlan {
        var fallback: (String, AccountIDs)?
        for name in defaultUserNames {
            if let ids = userNamed(name) {
                fallback = (name, ids)
                break
            }
        }
        if requestedUID != nil || requestedGID != nil {
            let uid = requestedUID ?? fallback?.1.uid ?? effectiveUID
            let gid = requestedGID ?? requestedUID.flatMap { userWithID($0)?.gid } ?? fallback?.1.gid ?? effectiveGID
            if uid == 0 && gid == 0 { return .keep(reason: "-u/-g ask for root; running as root is discouraged") }
            return .drop(AccountIDs(uid: uid, gid: gid), source: "-u/-g")
        }
        guard effectiveUID == 0 else { return .keep(reason: "not running as root") }
        guard let (name, ids) = fallback else {
            return .keep(reason: "running as root is discouraged: no user n2n or nobody, and no -u/-g given")
        }
        if ids.uid == 0 && ids.gid == 0 { return .keep(reason: "user \(name) is root; running as root is discouraged") }
        return .drop(ids, source: "user \(name)")
    }

    /// `plan` with the real account database and process ids.
    public static func plan(requestedUID: UInt32?, requestedGID: UInt32?) -> PrivilegePlan {
        plan(
            requestedUID: requestedUID, requestedGID: requestedGID,
            effectiveUID: geteuid(), effectiveGID: getegid(),
            userNamed: lookUpUser(named:), userWithID: lookUpUser(id:))
    }

    public static func lookUpUser(named name: String) -> AccountIDs? {
        guard let pw = getpwnam(name) else { return nil }
        return AccountIDs(uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid)
    }

    public static func lookUpUser(id: UInt32) -> AccountIDs? {
        guard let pw = getpwuid(id) else { return nil }
        return AccountIDs(uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid)
    }

    /// Switches the whole process (every thread; glibc broadcasts set*id) to `ids`: supplementary
    /// groups cleared first (only root may, and only root has any worth clearing), then the group,
    /// then the user, then checks that the real and effective ids changed and that root
    /// cannot be regained.
    public static func apply(_ ids: AccountIDs) throws(PrivilegeDropError) {
        if geteuid() == 0 {
            guard setgroups(0, nil) == 0 else { throw .setgroups(errno: errno) }
        }
        guard setgid(ids.gid) == 0 else { throw .setgid(ids.gid, errno: errno) }
        guard setuid(ids.uid) == 0 else { throw .setuid(ids.uid, errno: errno) }

        guard getuid() == ids.uid, geteuid() == ids.uid else {
            throw .notEffective("user ids are \(getuid())/\(geteuid()), wanted \(ids.uid)")
        }
        guard getgid() == ids.gid, getegid() == ids.gid else {
            throw .notEffective("group ids are \(getgid())/\(getegid()), wanted \(ids.gid)")
        }
        // The saved ids are not visible without getresuid; trying to get root back covers them.
        if ids.uid != 0 {
            guard setuid(0) != 0 else { throw .notEffective("root could be regained with setuid(0)") }
            if ids.gid != 0 {
                guard setgid(0) != 0 else { throw .notEffective("group root could be regained with setgid(0)") }
            }
        }
    }
}

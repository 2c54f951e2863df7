import Glibc
import N2NWire
import Testing
@testable import ProgramSupport
import PacketCore
import LinuxSystem

private let n2nUser = AccountIDs(uid: 998, gid: 997)
private let nobody = AccountIDs(uid: 65534, gid: 65534)

private func plan(
    uid: UInt32? = nil, gid: UInt32? = nil, euid: UInt32 = 0,
    users: [String: AccountIDs] = ["n2n": n2nUser, "nobody": nobody],
    byID: [UInt32: AccountIDs] = [1000: AccountIDs(uid: 1000, gid: 1001)]
) -> PrivilegePlan {
    PrivilegeDrop.plan(
        requestedUID: uid, requestedGID: gid, effectiveUID: euid, effectiveGID: euid,
        userNamed: { users[$0] }, userWithID: { byID[$0] })
}

@Suite struct ProcessPrivilegePlanTests {
    @Test func explicitIdsWinOverDefaultUsers() {
        // n2n 2.8's supernode replaced these with 0 when n2n/nobody existed (spec 10.2 item 18).
        #expect(plan(uid: 1234, gid: 5678) == .drop(AccountIDs(uid: 1234, gid: 5678), source: "-u/-g"))
    }

    @Test func missingGroupComesFromTheUsersEntryThenTheDefaultUser() {
        #expect(plan(uid: 1000) == .drop(AccountIDs(uid: 1000, gid: 1001), source: "-u/-g"))
        #expect(plan(uid: 4242) == .drop(AccountIDs(uid: 4242, gid: n2nUser.gid), source: "-u/-g"))
        #expect(plan(uid: 4242, users: [:]) == .drop(AccountIDs(uid: 4242, gid: 0), source: "-u/-g"))
    }

    @Test func missingUserComesFromTheDefaultUser() {
        #expect(plan(gid: 50) == .drop(AccountIDs(uid: n2nUser.uid, gid: 50), source: "-u/-g"))
        #expect(plan(gid: 50, users: [:]) == .drop(AccountIDs(uid: 0, gid: 50), source: "-u/-g"))
    }

    @Test func defaultsPreferN2NThenNobody() {
        #expect(plan() == .drop(n2nUser, source: "user n2n"))
        #expect(plan(users: ["nobody": nobody]) == .drop(nobody, source: "user nobody"))
    }

    @Test func noDropWhenNothingToDropTo() {
        guard case .keep = plan(users: [:]) else { Issue.record("expected keep"); return }
        guard case .keep = plan(uid: 0, gid: 0) else { Issue.record("expected keep for 0/0"); return }
        guard case .keep = plan(users: ["n2n": AccountIDs(uid: 0, gid: 0)]) else {
            Issue.record("expected keep for a root n2n user"); return
        }
    }

    @Test func notRootKeepsUnlessAsked() {
        #expect(plan(euid: 1000) == .keep(reason: "not running as root"))
        #expect(plan(uid: 1000, euid: 1000) == .drop(AccountIDs(uid: 1000, gid: 1001), source: "-u/-g"))
    }

    @Test func errorTextsNameTheCall() {
        #expect(PrivilegeDropError.setgid(7, errno: EPERM).description
            == "unable to drop privileges: setgid(7) failed: Operation not permitted")
        #expect(PrivilegeDropError.setuid(7, errno: EPERM).description.contains("setuid(7)"))
        #expect(PrivilegeDropError.setgroups(errno: EPERM).description.contains("setgroups"))
    }
}

/// Runs `body` in a forked child and returns its exit status. The child must leave with _exit.
func runInChild(_ body: () -> Never) -> Int32 {
    let pid = fork()
    if pid == 0 { body() }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // WIFEXITED / WEXITSTATUS are macros.
    return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
}

@Suite(.serialized) struct ProcessPrivilegeApplyTests {
    @Test(.enabled(if: geteuid() == 0, "needs root"))
    func dropSticksAndRootCannotBeRegained() throws {
        let target = try #require(PrivilegeDrop.lookUpUser(named: "nobody"))
        let status = runInChild {
            var groups = [gid_t](repeating: 0, count: 1)
            _ = setgroups(1, &groups)  // a supplementary group to be cleared
            do throws(PrivilegeDropError) {
                try PrivilegeDrop.apply(target)
            } catch {
                _exit(10)
            }
            if getuid() != target.uid || geteuid() != target.uid { _exit(11) }
            if getgid() != target.gid || getegid() != target.gid { _exit(12) }
            if getgroups(0, nil) != 0 { _exit(13) }
            if setuid(0) == 0 || seteuid(0) == 0 { _exit(14) }
            _exit(0)
        }
        #expect(status == 0)
    }

    @Test(.enabled(if: geteuid() == 0, "needs root"))
    func failureIsATypedErrorNotACrash() throws {
        let target = try #require(PrivilegeDrop.lookUpUser(named: "nobody"))
        #expect(target.uid != 0)
        let status = runInChild {
            do throws(PrivilegeDropError) { try PrivilegeDrop.apply(target) } catch { _exit(10) }
            do throws(PrivilegeDropError) {
                try PrivilegeDrop.apply(AccountIDs(uid: 0, gid: 0))
                _exit(11)
            } catch {
                if case .setgid(0, errno: EPERM) = error { _exit(0) }
                _exit(12)
            }
        }
        #expect(status == 0)
    }
}

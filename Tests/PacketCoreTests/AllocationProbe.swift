import Glibc
import Testing

/// Runs the probe suite `suite` (enabled only when `isAllocationProbe`) alone in a child copy of this
/// test binary, where the allocation hook of `AllocationCounter` cannot disturb other threads, and
/// expects it to run and pass. The child's report goes to a file, so its summary line does not mix
/// with ours; its failures are quoted in ours.
func expectAllocationProbePasses(suite: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let binary = CommandLine.arguments[0]
    let arguments = [binary, "--testing-library", "swift-testing", "--filter", suite]
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var environment = ["N2N_ALLOCATION_PROBE=1"]
    var index = 0
    while let entry = environ[index] {
        environment.append(String(cString: entry))
        index += 1
    }
    var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
    defer { for p in envp { free(p) } }

    let logPath = "/tmp/n2n-\(suite)-\(getpid()).log"
    defer { unlink(logPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)

    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, binary, &actions, nil, &argv, &envp)
    try #require(spawned == 0, "posix_spawn failed: \(spawned)", sourceLocation: sourceLocation)
    var status: Int32 = 0
    var waited: pid_t = 0
    for _ in 0..<1200 {  // at most 120 s
        waited = waitpid(pid, &status, WNOHANG)
        if waited != 0 { break }
        usleep(100_000)
    }
    if waited == 0 {
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        Issue.record("allocation probe did not finish in 120 s", sourceLocation: sourceLocation)
        return
    }
    var report = ""
    var sawProbe = false
    if let file = fopen(logPath, "r") {
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.contains("✘") || text.contains("↳") || text.contains("allocations") { report += text }
            if text.contains(suite) && text.contains("passed") { sawProbe = true }
        }
        fclose(file)
    }
    #expect(status & 0x7F == 0 && (status >> 8) & 0xFF == 0, "allocation probe failed (status \(status)):\n\(report)",
            sourceLocation: sourceLocation)
    #expect(sawProbe, "the probe suite did not run:\n\(report)", sourceLocation: sourceLocation)
}

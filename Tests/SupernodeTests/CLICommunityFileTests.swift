import Glibc
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport
import Testing
@testable import Supernode

private func names(_ text: String) -> [String] {
    CommunityFile.parse(Array(text.utf8)).map(\.name)
}

@Suite struct CLICommunityFileTests {
    @Test func oneCommunityPerLine() {
        #expect(names("bench\nmynet\n") == ["bench", "mynet"])
    }

    @Test func commentsAndEmptyLinesAreSkipped() {
        #expect(names("# list\n\nbench\n#mynet\n \n") == ["bench", " "])
    }

    @Test func trailingCRLFRemovedNothingElseTrimmed() {
        #expect(names("bench\r\n my net \r\n\tx\n") == ["bench", " my net ", "\tx"])
        #expect(names("a\r\r\n") == ["a"])
    }

    @Test func namesAreCutTo15Bytes() {
        let c = CommunityFile.parse(Array("abcdefghijklmnopqrstuvwxyz\n".utf8))
        #expect(c.map(\.name) == ["abcdefghijklmno"])
        #expect(c.first?.bytes == Array("abcdefghijklmno".utf8) + [0])
    }

    @Test func lengthCountsTheNewline() {
        // "a\n" is 2 bytes and kept; a final "b" without newline is 1 byte and skipped, as with fgets.
        #expect(names("a\nb") == ["a"])
        #expect(names("a\nbc") == ["a", "bc"])
    }

    @Test func crlfOnlyLinesAndDuplicatesAreDropped() {
        #expect(names("\r\nbench\nbench\n\r\n") == ["bench"])
    }

    @Test func nulEndsTheLineAsInC() {
        #expect(CommunityFile.parse([0x61, 0x62, 0x00, 0x63, 0x0A, 0x78, 0x79, 0x0A]).map(\.name) == ["ab", "xy"])
    }

    @Test func bytesAreKeptExactly() {
        let c = CommunityFile.parse([0xC3, 0xA9, 0xFF, 0x0A])
        #expect(c.first?.bytes.prefix(4) == [0xC3, 0xA9, 0xFF, 0x00])
    }

    @Test func emptyFileLocksToNothing() throws {
        let loaded = try CommunityFile.loadForSupernode("x") { _ throws(FileReadError) in [] }
        #expect(loaded == [])
    }

    /// 2.8 ran unlocked when the file could not be read; now it is a start-up error (issue 10 item 11).
    @Test func unreadableFileIsAnError() {
        #expect(throws: FileReadError(path: "/nonexistent/swift-n2n-communities", errno: ENOENT)) {
            try CommunityFile.loadForSupernode("/nonexistent/swift-n2n-communities")
        }
        #expect(throws: FileReadError(path: "/nonexistent/swift-n2n-communities", errno: ENOENT)) {
            try CommunityFile.load("/nonexistent/swift-n2n-communities")
        }
    }

    @Test func failedReloadKeepsTheOldList() {
        let old = [Community("mynet")]
        let failed = CommunityFile.reload("/nonexistent/swift-n2n-communities", keeping: old)
        #expect(failed.communities == old)
        #expect(failed.warning?.contains("keeping the 1 communities") == true)
        let ok = CommunityFile.reload("x", keeping: old) { _ throws(FileReadError) in Array("a\nb\n".utf8) }
        #expect(ok.communities.map(\.name) == ["a", "b"])
        #expect(ok.warning == nil)
    }

    @Test func readsARealFile() throws {
        let path = "/tmp/swift-n2n-communities-\(getpid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { unlink(path) }
        let text = "bench\n# comment\nmynet\r\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let loaded = try CommunityFile.loadForSupernode(path)
        #expect(loaded.map(\.name) == ["bench", "mynet"])
        #expect(loaded.first == Community("bench"))
    }
}

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
        let loaded = CommunityFile.loadForSupernode("x") { _ throws(FileReadError) in [] }
        #expect(loaded.communities == [])
        #expect(loaded.warning == nil)
    }

    @Test func unreadableFileRunsUnlockedWithAWarning() {
        let loaded = CommunityFile.loadForSupernode("/nonexistent/swift-n2n-communities")
        #expect(loaded.communities == nil)
        #expect(loaded.warning
            == "community file (-c): cannot read '/nonexistent/swift-n2n-communities': No such file or directory; running unlocked, any community may register")
        #expect(throws: FileReadError(path: "/nonexistent/swift-n2n-communities", errno: ENOENT)) {
            try CommunityFile.load("/nonexistent/swift-n2n-communities")
        }
    }

    @Test func readsARealFile() throws {
        let path = "/tmp/swift-n2n-communities-\(getpid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { unlink(path) }
        let text = "bench\n# comment\nmynet\r\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let loaded = CommunityFile.loadForSupernode(path)
        #expect(loaded.communities?.map(\.name) == ["bench", "mynet"])
        #expect(loaded.communities?.first == Community("bench"))
    }
}

import Glibc
import Testing
import LinuxSystem
@testable import PacketCore

@Suite struct IOErrnoTests {
    @Test func failedCallThrowsErrnoWithCodeAndCallName() {
        do {
            _ = try systemCall("close") { Glibc.close(-1) }
            Issue.record("close(-1) succeeded")
        } catch {
            #expect(error.code == EBADF)
            #expect(error.call.description == "close")
            #expect(error == Errno(code: EBADF, call: "close"))
            #expect(error.message == "Bad file descriptor")
            #expect(error.description == "close: Bad file descriptor (errno \(EBADF))")
            #expect(!error.isWouldBlock)
        }
    }

    @Test func interruptedCallIsRetried() throws {
        var calls = 0
        let result = try systemCall("fake") { () -> Int32 in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 7
        }
        #expect(result == 7)
        #expect(calls == 3)
    }

    @Test func wouldBlockIsNilNotAThrow() throws {
        let (readEnd, writeEnd) = try makePipe()
        try readEnd.setNonBlocking()
        var byte: UInt8 = 0
        let fd = readEnd.rawValue
        let empty = try systemCallUnlessWouldBlock("read") { Glibc.read(fd, &byte, 1) }
        #expect(empty == nil)
        #expect(Errno(code: EAGAIN, call: "read").isWouldBlock)

        var one: UInt8 = 42
        _ = try systemCall("write") { Glibc.write(writeEnd.rawValue, &one, 1) }
        let got = try systemCallUnlessWouldBlock("read") { Glibc.read(fd, &byte, 1) }
        #expect(got == 1 && byte == 42)
    }

    @Test func fileDescriptorClosesExactlyOnce() throws {
        let (readEnd, writeEnd) = try makePipe()
        try writeEnd.close()
        #expect(writeEnd.rawValue == -1)
        #expect(!writeEnd.isOpen)
        try writeEnd.close()  // second close: no error, no stray close(2) of a reused number
        var byte: UInt8 = 0
        // The write end really is closed: the reader sees end of file.
        let n = try systemCall("read") { Glibc.read(readEnd.rawValue, &byte, 1) }
        #expect(n == 0)
    }

    @Test func fileDescriptorClosesWhenReleasedAndNotAfterGivingUp() throws {
        var fds: [Int32] = [-1, -1]
        _ = try systemCall("pipe") { pipe(&fds) }
        let reader = FileDescriptor(owning: fds[0])

        // release() hands the descriptor back: dropping the owner must not close it.
        var kept: Int32 = -1
        do {
            let owner = FileDescriptor(owning: fds[1])
            kept = owner.release()
        }
        var byte: UInt8 = 9
        let wrote = try systemCall("write") { Glibc.write(kept, &byte, 1) }
        #expect(wrote == 1)

        // An owner that is simply dropped closes: the reader then sees end of file.
        do {
            let owner = FileDescriptor(owning: kept)
            #expect(owner.isOpen)
        }
        let first = try systemCall("read") { Glibc.read(reader.rawValue, &byte, 1) }
        let second = try systemCall("read") { Glibc.read(reader.rawValue, &byte, 1) }
        #expect(first == 1 && byte == 9)
        #expect(second == 0)
    }

    func makePipe() throws -> (FileDescriptor, FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        _ = try systemCall("pipe") { pipe(&fds) }
        return (FileDescriptor(owning: fds[0]), FileDescriptor(owning: fds[1]))
    }
}

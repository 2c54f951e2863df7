import Glibc
import LinuxSystem
import Testing

@Suite struct SocketAddressTests {
    @Test func ipv4RoundTripsThroughTheKernelLayout() throws {
        let address = SocketAddress(ipv4: 0x0A00_0102, port: 7654)
        #expect(address.family == AF_INET)
        #expect(address.ipv4 == 0x0A00_0102)
        #expect(address.port == 7654)
        #expect(address.description == "10.0.1.2:7654")
        var raw = sockaddr_in6()
        let length = address.store(into: &raw)
        #expect(Int(length) == MemoryLayout<sockaddr_in>.size)
        let back = try #require(SocketAddress(raw: &raw, length: Int(length)))
        #expect(back == address)
    }

    @Test func ipv4BecomesMappedOnADualStackSocket() throws {
        let v4 = SocketAddress(ipv4: 0x7F00_0001, port: 9)
        let mapped = try #require(v4.addressing(socketFamily: AF_INET6))
        #expect(mapped.family == AF_INET6)
        #expect(mapped.ipv6Halves! == (0, 0xFFFF_7F00_0001))
        #expect(mapped.ipv4 == 0x7F00_0001) // reads back as IPv4
        #expect(mapped != v4)
        let v6 = SocketAddress(ipv6High: 0x2001_0db8_0000_0000, low: 1, port: 9)
        #expect(v6.addressing(socketFamily: AF_INET) == nil)
        #expect(v6.ipv4 == nil)
        #expect(v6.description == "[2001:db8:0:0:0:0:0:1]:9")
    }

    @Test func rejectsOtherFamiliesAndShortLengths() {
        var raw = sockaddr_in6()
        raw.sin6_family = sa_family_t(AF_UNIX)
        #expect(SocketAddress(raw: &raw, length: MemoryLayout<sockaddr_in6>.size) == nil)
        raw.sin6_family = sa_family_t(AF_INET6)
        #expect(SocketAddress(raw: &raw, length: MemoryLayout<sockaddr_in>.size) == nil)
        #expect(SocketAddress(raw: &raw, length: 1) == nil)
    }
}

@Suite struct DatagramCallTests {
    @Test func sortsErrnoIntoOutcomes() throws {
        var calls = 0
        // EINTR is retried, then the call completes.
        let retried = try datagramCall("test") { () -> Int in
            calls += 1
            if calls == 1 { errno = EINTR; return -1 }
            return 5
        }
        guard case .completed(5) = retried else { Issue.record("expected completion, got \(retried)"); return }
        #expect(calls == 2)

        let blocked = try datagramCall("test") { () -> Int in errno = EAGAIN; return -1 }
        guard case .wouldBlock = blocked else { Issue.record("expected wouldBlock"); return }

        let refused = try datagramCall("sendto") { () -> Int in errno = ECONNREFUSED; return -1 }
        guard case .refused(let error) = refused else { Issue.record("expected refused"); return }
        #expect(error == Errno(code: ECONNREFUSED, call: "sendto"))

        #expect(throws: Errno(code: EBADF, call: "sendto")) {
            _ = try datagramCall("sendto") { () -> Int in errno = EBADF; return -1 }
        }
    }

    @Test func aRealSocketPairExchangesADatagram() throws {
        let a = try UDPSocket(bindingTo: SocketAddress(ipv4: 0x7F00_0001, port: 0))
        let b = try UDPSocket(bindingTo: SocketAddress(ipv4: 0x7F00_0001, port: 0))
        let bAddress = try b.localAddress
        let payload: [UInt8] = [1, 2, 3, 4]
        #expect(try payload.withUnsafeBytes { try a.send($0, to: bAddress) })
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { buffer.deallocate() }
        var received: (length: Int, source: SocketAddress?)?
        for _ in 0..<200 where received == nil {
            received = try b.receive(into: buffer)
            if received == nil { usleep(5_000) }
        }
        let got = try #require(received)
        #expect(got.length == 4)
        #expect(Array(buffer[0..<4]) == payload)
        #expect(got.source == (try a.localAddress))
    }
}

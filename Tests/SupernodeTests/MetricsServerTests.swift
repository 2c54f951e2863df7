import Glibc
import Metrics
import Testing

/// The metrics endpoint over a real loopback TCP connection: SwiftNIO's HTTP/1 codec on its own
/// thread, `/metrics` rendered from what was published, 404 elsewhere, 405 for other methods.
@Suite struct MetricsServerTests {
    /// One HTTP/1.1 exchange with `Connection: close`; the whole response as text.
    func exchange(port: Int, _ request: String) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return "" }
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        return String(decoding: response, as: UTF8.self)
    }

    @Test func servesThePublishedSnapshotRenderedOnItsThread() throws {
        let board = MetricsBoard<Int>()
        board.publish(41)
        let server = try MetricsServer(host: "127.0.0.1", port: 0) {
            "# TYPE n2n_test_total counter\nn2n_test_total \(board.current ?? -1)\n"
        }
        defer { server.shutdown() }
        #expect(server.port > 0)
        var reply = exchange(port: server.port, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(reply.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(reply.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
        #expect(reply.hasSuffix("\r\n\r\n# TYPE n2n_test_total counter\nn2n_test_total 41\n"))
        board.publish(42)
        reply = exchange(port: server.port, "GET /metrics?x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(reply.hasSuffix("n2n_test_total 42\n"))
        #expect(exchange(port: server.port, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(exchange(port: server.port, "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .hasPrefix("HTTP/1.1 405"))
        // Garbage gets an error from the codec, not a crash; the server still answers afterwards.
        _ = exchange(port: server.port, "\u{1}\u{2} nonsense\r\n\r\n")
        #expect(exchange(port: server.port, "GET /metrics HTTP/1.0\r\n\r\n").hasPrefix("HTTP/1.0 200 OK"))
    }

    @Test func servesTheStatusPageAndItsJSONBesideTheMetrics() throws {
        let server = try MetricsServer(host: "127.0.0.1", port: 0, metrics: { "m 1\n" }, page: { "<!doctype html>page" },
                                       json: { "{\"a\":1}\n" })
        defer { server.shutdown() }
        func get(_ path: String) -> String {
            exchange(port: server.port, "GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        }
        let page = get("/")
        #expect(page.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(page.lowercased().contains("content-type: text/html; charset=utf-8"))
        #expect(page.hasSuffix("\r\n\r\n<!doctype html>page"))
        let json = get("/status.json?x")
        #expect(json.lowercased().contains("content-type: application/json"))
        #expect(json.hasSuffix("\r\n\r\n{\"a\":1}\n"))
        #expect(get("/metrics").hasSuffix("\r\n\r\nm 1\n"))
        let missing = get("/index.html")
        #expect(missing.hasPrefix("HTTP/1.1 404"))
        #expect(missing.hasSuffix("not found: try /metrics / /status.json\n"))
        // Read-only: nothing but GET and HEAD.
        #expect(exchange(port: server.port, "PUT / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .hasPrefix("HTTP/1.1 405"))
        let head = exchange(port: server.port, "HEAD / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 OK") && head.hasSuffix("\r\n\r\n"))
    }

    @Test func endpointParsing() {
        #expect(MetricsEndpoint("127.0.0.1:9644") == MetricsEndpoint(host: "127.0.0.1", port: 9644))
        #expect(MetricsEndpoint("9645") == MetricsEndpoint(host: "127.0.0.1", port: 9645))
        #expect(MetricsEndpoint("0.0.0.0:80") == MetricsEndpoint(host: "0.0.0.0", port: 80))
        for bad in ["", ":", "host:9644", "1.2.3:9", "1.2.3.4:0", "1.2.3.4:70000", "1.2.3.256:1", "a:b:c"] {
            #expect(MetricsEndpoint(bad) == nil, "\(bad)")
        }
    }

    @Test func aTakenPortIsATypedError() throws {
        let first = try MetricsServer(host: "127.0.0.1", port: 0) { "" }
        defer { first.shutdown() }
        #expect(throws: MetricsServerError.self) { _ = try MetricsServer(host: "127.0.0.1", port: first.port) { "" } }
    }
}

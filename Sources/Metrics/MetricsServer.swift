import NIOCore
import NIOHTTP1
import NIOPosix

/// Why the metrics endpoint could not start.
public struct MetricsServerError: Error, CustomStringConvertible {
    public var description: String
}

/// One page the endpoint serves: its path, content type and renderer.
public struct MetricsRoute: Sendable {
    public var path: String
    public var contentType: String
    public var render: @Sendable () -> String

    public init(_ path: String, _ contentType: String, render: @escaping @Sendable () -> String) {
        self.path = path
        self.contentType = contentType
        self.render = render
    }
}

/// `GET /metrics` in the Prometheus text format 0.0.4 (and, beside it, the status page and its
/// JSON), on one NIO thread of its own. Renderers run on that thread and must only read published
/// values (a `MetricsBoard`), never engine state. Read-only: nothing it serves changes anything.
public final class MetricsServer: Sendable {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// The bound port (useful when 0 was asked for).
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Only `/metrics`.
    public convenience init(host: String, port: Int, render: @escaping @Sendable () -> String) throws(MetricsServerError) {
        try self.init(host: host, port: port, routes: [MetricsRoute("/metrics", Self.contentType, render: render)])
    }

    /// `/metrics`, the status page at `/` and its data at `/status.json`.
    public convenience init(host: String, port: Int, metrics: @escaping @Sendable () -> String,
                            page: @escaping @Sendable () -> String, json: @escaping @Sendable () -> String) throws(MetricsServerError) {
        try self.init(host: host, port: port, routes: [
            MetricsRoute("/metrics", Self.contentType, render: metrics),
            MetricsRoute("/", "text/html; charset=utf-8", render: page),
            MetricsRoute("/status.json", "application/json", render: json),
        ])
    }

    public init(host: String, port: Int, routes: [MetricsRoute]) throws(MetricsServerError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(routes: routes))
                }
            }
            .childChannelOption(.maxMessagesPerRead, value: 1)
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw MetricsServerError(description: "cannot serve metrics on \(host):\(port): \(error)")
        }
        self.group = group
    }

    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// Answers one request per head: a route's path gets its rendered text, anything else 404, any
/// method but GET/HEAD 405. Bodies of requests are ignored.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: [MetricsRoute]
    private var head: HTTPRequestHead?

    init(routes: [MetricsRoute]) { self.routes = routes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let h = head else { return }
            head = nil
            respond(context: context, to: h)
        }
    }

    private func respond(context: ChannelHandlerContext, to request: HTTPRequestHead) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let route = routes.first { $0.path == path }
        let (status, body, type): (HTTPResponseStatus, String, String) =
            if request.method != .GET && request.method != .HEAD { (.methodNotAllowed, "method not allowed\n", "text/plain") }
            else if let route { (.ok, route.render(), route.contentType) }
            else { (.notFound, "not found: try " + routes.map(\.path).joined(separator: " ") + "\n", "text/plain") }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if request.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let keepAlive = request.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}

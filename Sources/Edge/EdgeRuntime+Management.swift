import Logging
import Metrics
import N2NWire
import PacketCore

// The management extras that run beside the loop: the once-a-second snapshot that feeds the
// `peer` subscribers and the metrics board, and the metrics endpoint. Started after daemonising,
// since NIO's thread would not survive the fork.
extension EdgeRuntime {
    func startManagementTimers() throws(EdgeStartupError) {
        if let endpoint = config.metrics {
            let board = MetricsBoard<EdgeSnapshot>()
            board.publish(engine.snapshot())
            management.publish = board.publish
            do {
                metricsServer = try MetricsServer(host: endpoint.host, port: endpoint.port) {
                    board.current.map(EdgeMetrics.render) ?? ""
                }
            } catch { throw EdgeStartupError("\(error)") }
            logger.notice("metrics on http://\(endpoint)/metrics")
        }
        loop.schedule(after: .seconds(1), repeating: .seconds(1)) { [unowned self] in self.publishManagement() }
    }

    func publishManagement() {
        for (peer, event) in management.tick({ engine.snapshot() }) {
            var text = event
            let sent = text.withUTF8 { (try? managementSocket.send(UnsafeRawBufferPointer($0), to: peer)) ?? false }
            if !sent { management.unsubscribe(peer) }
        }
    }
}

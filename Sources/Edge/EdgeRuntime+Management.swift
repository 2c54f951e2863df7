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
            let board = MetricsBoard<StatusView<EdgeSnapshot>>()
            management.publish = StatusView.recording(into: board.publish)
            management.publish?(engine.snapshot())
            do {
                metricsServer = try MetricsServer(host: endpoint.host, port: endpoint.port,
                                                  metrics: { board.current.map { EdgeMetrics.render($0.snapshot) } ?? "" },
                                                  page: { board.current.map(EdgeStatusPage.html) ?? "" },
                                                  json: { board.current.map(EdgeStatusPage.json) ?? "{}\n" })
            } catch { throw EdgeStartupError("\(error)") }
            logger.notice("metrics on http://\(endpoint)/metrics, status page on http://\(endpoint)/")
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

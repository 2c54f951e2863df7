import Logging
import Testing
import TestSupport
import N2NWire
@testable import PacketCore

/// The operator's view (issue 9 item 5): losing the supernode and getting it back are each
/// logged once at the default level, not on every retry.
@Test func supernodeLossAndRecoveryAreLoggedOnceEach() {
    let edge = TestEdge()
    let log = CapturedLog()
    edge.engine.logger = log.logger(level: .notice)
    edge.engine.start()
    edge.ackRegistration()
    // Regular rounds answered: nothing about loss.
    for _ in 0..<3 {
        edge.advance(20)
        edge.ackRegistration()
    }
    #expect(!log.lines.contains { $0.contains("not responding") })
    // The supernode goes silent: a minute of fast retries, one warning.
    for _ in 0..<25 { edge.advance(3) }
    let warnings = log.lines.filter { $0.contains("supernode not responding") }
    #expect(warnings.count == 1)
    #expect(warnings.first?.hasPrefix("warning") == true)
    // It answers again: one notice, then silence in the log while all is well.
    edge.ackRegistration()
    for _ in 0..<3 {
        edge.advance(20)
        edge.ackRegistration()
    }
    let recoveries = log.lines.filter { $0.contains("responding again") }
    #expect(recoveries.count == 1)
    #expect(recoveries.first?.hasPrefix("notice") == true)
    #expect(log.lines.filter { $0.contains("not responding") }.count == 1)
}

@Test func aNeverAnsweringSupernodeIsNotALoss() {
    let edge = TestEdge()
    let log = CapturedLog()
    edge.engine.logger = log.logger(level: .notice)
    edge.engine.start()
    for _ in 0..<20 { edge.advance(3) }
    #expect(!log.lines.contains { $0.contains("not responding") || $0.contains("responding again") })
}

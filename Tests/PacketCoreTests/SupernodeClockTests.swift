import Testing
import N2NWire
import LinuxSystem
import PacketCore
import TestSupport

// The supernode on the one monotonic clock: ages, purges and timers ignore wall-clock steps, and
// the purge/sort intervals of the options are what `nextDeadline` and `tick()` follow.
@Suite struct SupernodeClockTests {
    typealias F = Fixture

    func engine(_ clock: any MonotonicClock, _ options: SupernodeEngineOptions = SupernodeEngineOptions()) -> (SupernodeEngine, RecordingSupernodeSink) {
        let sink = RecordingSupernodeSink()
        let engine = SupernodeEngine(options: options, output: sink, random: DeterministicRandom(), clock: clock)
        engine.logger.logLevel = .critical
        return (engine, sink)
    }

    func receive(_ engine: SupernodeEngine, _ bytes: [UInt8], from source: PeerSocket) {
        var copy = bytes
        copy.withUnsafeMutableBytes { engine.handleDatagram($0, from: source) }
    }

    @Test func wallClockStepsDoNotPurgeOrAgeEdges() {
        let clock = SteppingClock()
        let (sn, _) = engine(clock)
        receive(sn, F.registerSuper(F.macA), from: F.sockA)
        clock.stepWall(seconds: 3600)              // NTP jumps an hour ahead
        clock.advance(seconds: 1)
        sn.purge()
        sn.tick()
        #expect(sn.edgeCount == 1)
        #expect(sn.snapshot().edges.first?.lastSeenSecondsAgo == 1)
        clock.stepWall(seconds: -7200)             // and two hours back
        clock.advance(seconds: 1)
        sn.purge()
        #expect(sn.edgeCount == 1)
        #expect(sn.snapshot().edges.first?.lastSeenSecondsAgo == 2)
        #expect(sn.snapshot().uptimeSeconds == 2)
        // Real time still purges.
        clock.advance(seconds: 59)
        sn.purge()
        #expect(sn.edgeCount == 0)
    }

    @Test func rebindHoldoffIgnoresWallClockSteps() {
        // A step forward must not make a fresh registration look old enough to be taken over.
        let clock = SteppingClock()
        let (sn, _) = engine(clock)
        receive(sn, F.registerSuper(F.macA), from: F.sockA)
        clock.stepWall(seconds: 3600)
        receive(sn, F.registerSuper(F.macA), from: F.sockB)
        #expect(sn.statistics[.rebindRefused] == 1)
        #expect(sn.communities[F.community]?.edges[F.macA]?.socket == F.sockA)
    }

    @Test func nextDeadlineFollowsTheConfiguredIntervals() {
        let clock = ManualClock()
        var options = SupernodeEngineOptions()
        options.purgeInterval = 5
        options.sortInterval = 7
        options.edgeTimeout = 10
        let (sn, _) = engine(clock, options)
        let start = clock.monotonicNanoseconds
        #expect(sn.nextDeadline == start + 5_000_000_000)
        receive(sn, F.registerSuper(F.macA), from: F.sockA)
        var ticks = 0
        // Drive the engine only through its deadlines, as the service does.
        while clock.monotonicNanoseconds < start + 16_000_000_000 {
            clock.advance(nanoseconds: max(1, sn.nextDeadline - clock.monotonicNanoseconds))
            sn.tick()
            ticks += 1
        }
        // Purges at 5, 10 and 15 s (the last removes A, 15 s old), sorts at 7 and 14 s, then the
        // purge at 20 s ends the loop.
        #expect(sn.edgeCount == 0)
        #expect(ticks == 6)
        #expect(sn.nextDeadline > clock.monotonicNanoseconds)
    }

    @Test func purgeRunsOnlyWhenDue() {
        let clock = ManualClock()
        let (sn, _) = engine(clock)
        receive(sn, F.registerSuper(F.macA), from: F.sockA)
        clock.advance(seconds: 61)
        // The first purge is due 30 s after start; one tick runs it.
        #expect(clock.monotonicNanoseconds >= sn.nextDeadline)
        sn.tick()
        #expect(sn.edgeCount == 0)
    }
}

import Foundation
import XCTest
@testable import SimCore

final class EngineTests: XCTestCase {
    func testQueuePopsInTimeThenScheduleOrder() {
        var q = EventQueue()
        var rng = RandomStream(seed: 3)
        var seq: UInt64 = 0
        var expected: [Event] = []
        for _ in 0..<5_000 {
            let e = Event(time: SimTime(rng.below(200)), seq: seq, kind: 0, target: 0, data: Int64(seq))
            seq += 1
            q.push(e)
            expected.append(e)
        }
        expected.sort { Event.precedes($0, $1) }
        var got: [Event] = []
        while let e = q.pop() { got.append(e) }
        XCTAssertEqual(got, expected)
    }

    func testSimultaneousEventsRunInScheduleOrder() {
        var engine = Engine()
        for k in 0..<10 { engine.schedule(at: 5, kind: Int32(k)) }
        engine.schedule(at: 1, kind: 99)
        var kinds: [Int32] = []
        while let e = engine.next() { kinds.append(e.kind) }
        XCTAssertEqual(kinds, [99] + (0..<10).map { Int32($0) })
        XCTAssertEqual(engine.now, 5)
    }

    /// Timers in FIFO lanes come out in exactly the (time, seq) order the heap alone gives:
    /// the same model run once with `scheduleTimer` and once with `schedule(after:)` pops the
    /// same events in the same order, with the same fingerprint. The model: each event
    /// schedules a follow-up at exp(1 ms) on the heap and, half the time, a timer of one of
    /// 20 durations (more than `maxLanes`, so the overflow path to the heap runs too), some
    /// of them 0 (heap) and some equal to a heap delay (ties broken by seq).
    func testTimerLanesPopInHeapOrder() {
        func run(timers: Bool) -> (kinds: [Int64], fingerprint: Fingerprint, pendingSeen: Int) {
            var engine = Engine()
            var rng = RandomStream(seed: 11)
            let d = Distribution.exponential(mean: 1e6)
            for k in 0..<50 { engine.schedule(at: SimTime(rng.below(1_000)), kind: 1, data: Int64(k)) }
            var out: [Int64] = [], n = Int64(1_000), maxPending = 0
            while let e = engine.next(until: 2_000_000_000), out.count < 60_000 {
                out.append(e.data)
                maxPending = max(maxPending, engine.pending)
                if e.kind == 1 {
                    engine.schedule(after: SimTime(d.sample(&rng)) / 1_000 * 1_000, kind: 1, data: n); n += 1
                }
                if rng.below(2) == 0 {
                    let delay = SimTime(rng.below(20)) * 1_000_000 // 0..19 ms; 0: the heap
                    if timers { engine.scheduleTimer(after: delay, kind: 2, data: n) }
                    else { engine.schedule(after: delay, kind: 2, data: n) }
                    n += 1
                }
            }
            return (out, engine.fingerprint, maxPending)
        }
        let heap = run(timers: false), lanes = run(timers: true)
        XCTAssertEqual(lanes.kinds.count, 60_000)
        XCTAssertEqual(lanes.kinds, heap.kinds)
        XCTAssertEqual(lanes.fingerprint, heap.fingerprint)
        // `pending` counts the lanes: the same figure either way.
        XCTAssertEqual(lanes.pendingSeen, heap.pendingSeen)
    }

    func testTimerAtTheSameInstantAsAnEventKeepsScheduleOrder() {
        var engine = Engine()
        engine.schedule(at: 10, kind: 1)          // seq 0, t 10
        engine.scheduleTimer(after: 10, kind: 2)  // seq 1, t 10: after the first
        engine.schedule(at: 10, kind: 3)          // seq 2, t 10
        engine.scheduleTimer(after: 5, kind: 4)   // seq 3, t 5: first
        var kinds: [Int32] = []
        while let e = engine.next() { kinds.append(e.kind) }
        XCTAssertEqual(kinds, [4, 1, 2, 3])
        XCTAssertEqual(engine.now, 10)
        XCTAssertEqual(engine.pending, 0)
        // A delay past the end of time (10 + (max − 5) overflows) is what schedule(after:)
        // makes of it: clamped to now, 10, and popped next.
        engine.scheduleTimer(after: .max - 5, kind: 6)
        XCTAssertEqual(engine.next()?.time, 10)
        XCTAssertEqual(engine.pending, 0)
        // A timer beyond the limit stays, the clock stops at the limit.
        engine.scheduleTimer(after: 100, kind: 5)
        XCTAssertNil(engine.next(until: 50))
        XCTAssertEqual(engine.now, 50)
        XCTAssertEqual(engine.next(until: 110)?.kind, 5)
    }

    func testNextUntilStopsAtLimitAndAdvancesClock() {
        var engine = Engine()
        engine.schedule(at: 100, kind: 1)
        XCTAssertNil(engine.next(until: 50))
        XCTAssertEqual(engine.now, 50)
        XCTAssertEqual(engine.next(until: 100)?.kind, 1)
        XCTAssertEqual(engine.eventsProcessed, 1)
    }

    func testFingerprintSeesKindAndTime() {
        var a = Fingerprint(), b = Fingerprint(), c = Fingerprint()
        a.add(time: 10, kind: 1); b.add(time: 10, kind: 2); c.add(time: 11, kind: 1)
        XCTAssertNotEqual(a, b); XCTAssertNotEqual(a, c)
    }

    func testStreamsAreIndependentAndReproducible() {
        var a = RandomStream(seed: 1, stream: 0), a2 = RandomStream(seed: 1, stream: 0)
        var b = RandomStream(seed: 1, stream: 1), c = RandomStream(seed: 2, stream: 0)
        let xa = (0..<100).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<100).map { _ in a2.next() })
        XCTAssertNotEqual(xa, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<100).map { _ in c.next() })
        // Correlation between neighbouring streams is at noise level (|r| < 4 / sqrt(n)).
        var s1 = RandomStream(seed: 9, stream: 4), s2 = RandomStream(seed: 9, stream: 5)
        let n = 100_000
        var sxy = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0
        for _ in 0..<n {
            let x = s1.uniform(), y = s2.uniform()
            sxy += x * y; sx += x; sy += y; sxx += x * x; syy += y * y
        }
        let nn = Double(n)
        let r = (sxy - sx * sy / nn) / ((sxx - sx * sx / nn) * (syy - sy * sy / nn)).squareRoot()
        XCTAssertLessThan(abs(r), 4 / nn.squareRoot())
    }

    func testStationAdmitsQueuesAndRejects() {
        var s = Station(workers: 2, capacity: 1)
        XCTAssertEqual(s.arrive(1, at: 0), .serve)
        XCTAssertEqual(s.arrive(2, at: 0), .serve)
        XCTAssertEqual(s.arrive(3, at: 0), .queued)
        XCTAssertEqual(s.arrive(4, at: 0), .rejected)
        XCTAssertEqual(s.rejections, 1)
        XCTAssertEqual(s.depart(at: 10), 3) // FIFO: the waiting customer takes the worker
        XCTAssertNil(s.depart(at: 20))
        XCTAssertEqual(s.busy, 1)
        // Busy workers: 2 over [0, 20), then 1 over [20, 40).
        XCTAssertEqual(s.utilisation(from: 0, to: 40).busy, 1.5, accuracy: 1e-12)
    }

    func testWelfordAndMerge() {
        let xs = (1...1000).map { Double($0 % 37) * 1.5 }
        var w = Welford(); xs.forEach { w.add($0) }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let v = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)
        XCTAssertEqual(w.mean, mean, accuracy: 1e-9)
        XCTAssertEqual(w.variance, v, accuracy: 1e-9)
        var a = Welford(), b = Welford()
        xs[..<300].forEach { a.add($0) }; xs[300...].forEach { b.add($0) }
        a.merge(b)
        XCTAssertEqual(a.mean, mean, accuracy: 1e-9)
        XCTAssertEqual(a.variance, v, accuracy: 1e-9)
    }

    func testStudentTAndReplicationSummary() {
        // Published t(0.975; df) to three decimals.
        for (df, t) in [(1, 12.706), (2, 4.303), (4, 2.776), (5, 2.571), (10, 2.228), (30, 2.042), (40, 2.021), (120, 1.980)] {
            XCTAssertEqual(StudentT.quantile975(df: df), t, accuracy: 0.0005, "df \(df)")
        }
        XCTAssertEqual(StudentT.quantile(0.975, df: 1), 12.706_204_736, accuracy: 1e-8)
        XCTAssertEqual(StudentT.quantile(0.025, df: 7), -StudentT.quantile(0.975, df: 7))
        XCTAssertEqual(StudentT.quantile(0.975, df: .infinity), 1.959_963_985, accuracy: 1e-8)
        // The quantile inverts the tail probability it is computed from.
        for df in [1.0, 3.5, 12, 200] {
            XCTAssertEqual(StudentT.twoSidedP(t: StudentT.quantile(0.99, df: df), df: df), 0.02, accuracy: 1e-10)
        }
        let s = ReplicationSummary([1, 2, 3])
        XCTAssertEqual(s.mean, 2)
        XCTAssertEqual(s.halfWidth, StudentT.quantile975(df: 2) * 1 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s.halfWidth, 4.303 / 3.0.squareRoot(), accuracy: 1e-3)
    }

    func testStudentTTailProbabilities() {
        // t(0.975; 4) = 2.776 and z(0.975) = 1.96: both two-sided p = 0.05.
        XCTAssertEqual(StudentT.twoSidedP(t: 2.776, df: 4), 0.05, accuracy: 2e-4)
        XCTAssertEqual(StudentT.twoSidedP(t: 1.959964, df: .infinity), 0.05, accuracy: 1e-6)
        XCTAssertEqual(StudentT.twoSidedP(t: 2.228, df: 10), 0.05, accuracy: 2e-4)
        XCTAssertEqual(StudentT.twoSidedP(t: 0, df: 7), 1, accuracy: 1e-12)
        XCTAssertEqual(StudentT.twoSidedP(t: 1, df: 1), 0.5, accuracy: 1e-9)
        XCTAssertLessThan(StudentT.twoSidedP(t: 50, df: 8), 1e-9)
    }

    func testLatencyStatsPercentiles() {
        var l = LatencyStats()
        for v in 1...10_000 { l.record(SimTime(v) * 1000) }
        XCTAssertEqual(l.p50, 5_000_000, accuracy: 5_000)  // 3 significant digits
        XCTAssertEqual(l.p99, 9_900_000, accuracy: 9_900)
        XCTAssertEqual(l.mean, 5_000_500, accuracy: 1e-6)
    }

    func testFixedWindows() {
        var w = FixedWindows<Int>(origin: 1000, width: 100, count: 3) { 0 }
        w.update(at: 999) { $0 += 1 }
        w.update(at: 1000) { $0 += 1 }
        w.update(at: 1299) { $0 += 1 }
        w.update(at: 1300) { $0 += 1 }
        XCTAssertEqual(w.windows, [1, 0, 1])
    }

    /// Runs three events at 10 ns apart, recording entity and outcome per event.
    func trajectory(entities: [Int32], outcomes: [Int32], slots: [Int32], record: Bool = true) -> Fingerprint {
        var engine = Engine()
        for i in entities.indices {
            engine.schedule(at: SimTime(10 * i), kind: 1, target: slots[i], data: Int64(slots[i]) * 7)
        }
        while let e = engine.next() {
            let i = Int(e.time / 10)
            if record { engine.record(entity: entities[i], outcome: outcomes[i]) }
        }
        return engine.fingerprint
    }

    /// The fingerprint sees where an event happened and what came of it, and not the
    /// pool slot (`target`, `data`) a model used to find its state.
    func testFingerprintHashesEntityAndOutcomeNotSlots() {
        let base = trajectory(entities: [1, 2, 1], outcomes: [0, 0, 0], slots: [0, 1, 2])
        XCTAssertEqual(base, trajectory(entities: [1, 2, 1], outcomes: [0, 0, 0], slots: [0, 1, 2]))
        // Other slots, same entities: nobody observes slot numbers.
        XCTAssertEqual(base, trajectory(entities: [1, 2, 1], outcomes: [0, 0, 0], slots: [5, 3, 9]))
        // Same times and kinds, another entity: a routing change.
        XCTAssertNotEqual(base, trajectory(entities: [1, 1, 1], outcomes: [0, 0, 0], slots: [0, 1, 2]))
        // Same entities, another outcome.
        XCTAssertNotEqual(base, trajectory(entities: [1, 2, 1], outcomes: [0, -1, 0], slots: [0, 1, 2]))
        // Entity and outcome are not interchangeable.
        XCTAssertNotEqual(trajectory(entities: [1, 0, 0], outcomes: [0, 0, 0], slots: [0, 0, 0]),
                          trajectory(entities: [0, 0, 0], outcomes: [1, 0, 0], slots: [0, 0, 0]))
        // Without records, (time, kind) alone cannot tell the routing change apart.
        XCTAssertEqual(trajectory(entities: [1, 2, 1], outcomes: [0, 0, 0], slots: [0, 1, 2], record: false),
                       trajectory(entities: [1, 1, 1], outcomes: [0, 0, 0], slots: [0, 1, 2], record: false))
    }
}

import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// Per-service latencies are recorded in batches (`TopologyMetrics.pendingServiceLatency`,
/// issue 18): whatever the batching, `services` must be complete whenever `run(until:)` has
/// returned, and hold exactly what recording each call as it finished would have.
final class ServiceLatencyBatchTests: XCTestCase {
    /// `root` calls `a` (const 3 ms) and `b` (const 7 ms), unlimited workers, zero network, no
    /// proxies: every call to `a` takes exactly 3 ms and to `b` 7 ms. 200/s for 60 s is about
    /// 12,000 calls to each, three drains of 4,096 and a remainder.
    static func scenario() -> Scenario {
        Fx.scenario(services: [
            Service(name: "root", workers: unlimited, serviceTime: .constant(1e6),
                    calls: [.sequential(Call(service: 1)), .sequential(Call(service: 2))]),
            Service(name: "a", workers: unlimited, serviceTime: .constant(3e6)),
            Service(name: "b", workers: unlimited, serviceTime: .constant(7e6)),
        ], traffic: [TrafficSource(name: "t", to: 0, rate: .constant(perSecond: 200))],
        topologies: [TopologySpec(name: "none", kind: .none)])
    }

    /// After the run, each leaf's histogram has one value per successful call (count =
    /// succeeded, more than a batch), and their sum is the calls × the service time exactly
    /// (3e6 and 7e6 ns are integers: the Double sum is exact far beyond 12,000 of them).
    func testEveryCallIsRecordedOnceWithItsLatency() throws {
        let m = try Fx.run(Self.scenario()).metrics
        for (s, d) in [(1, 3e6), (2, 7e6)] {
            let st = m.services[s]
            XCTAssertGreaterThan(st.succeeded, TopologyMetrics.serviceLatencyBatch, "the run crosses a drain")
            XCTAssertEqual(st.latency.count, st.succeeded)
            XCTAssertEqual(st.latency.mean * Double(st.latency.count), d * Double(st.succeeded))
            // 2 significant digits: the bucket of 3 ms is 16,384 ns wide, of 7 ms 32,768 ns.
            XCTAssertEqual(st.latency.p50, d, accuracy: 32_768)
        }
        XCTAssertTrue(m.pendingServiceLatency.isEmpty)
    }

    /// Stopping every 1.7 s (the dashboard's way) drains at each stop: the leaves are complete
    /// at every stop, and the end state is the same to the bit as one uninterrupted run.
    func testStopsSeeCompleteFiguresAndChangeNothing() throws {
        let s = Self.scenario()
        let whole = try Fx.run(s).metrics
        var sim = try TopologySimulation(scenario: s, topology: s.topologies[0], seed: 1)
        var t: SimTime = 0
        while !sim.isFinished {
            t += Fx.seconds(1.7)
            sim.run(until: t)
            for k in 1...2 {
                XCTAssertEqual(sim.metrics.services[k].latency.count, sim.metrics.services[k].succeeded)
            }
        }
        for k in 1...2 {
            let a = sim.metrics.services[k].latency, b = whole.services[k].latency
            XCTAssertEqual(a.count, b.count)
            XCTAssertEqual(a.mean, b.mean)
            for p in [50.0, 90, 99, 99.9, 100] { XCTAssertEqual(a.percentile(p), b.percentile(p)) }
        }
    }
}

import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// Every profile point is honoured by every traffic kind (issue 14, item 5; the closed-loop
/// zero-rate case in Cases/13-side-closed-loop-zero-rate.yaml is one instance): a profile of
/// 0/s until 20 s, 100/s until 40 s and 0/s after sends nothing outside [20 s, 40 s) and
/// 100/s × 20 s = 2000 inside it, whether the source is open loop (Poisson: sd √2000 ≈ 45,
/// tolerance 4 sd) or closed loop (4 clients each paced to 40 ms: 20 s / 40 ms = 500 each,
/// exact up to one send per client at each edge), and whether it enters from outside or
/// starts inside the cluster.
final class TrafficProfileTests: XCTestCase {
    static func run(_ source: String) throws -> TopologyMetrics {
        let s = try PolicyTests.scenario("""
            scenario: profile
            duration: 60s
            services:
              api: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(5ms) }
            traffic:
              - name: t
                to: api
                \(source)
                profile:
                  - { at: 0s, rate: 0/s }
                  - { at: 20s, rate: 100/s }
                  - { at: 40s, rate: 0/s }
            topologies:
              - { name: t, kind: sidecar }
            """)
        return try PolicyTests.sim(s, "t").metrics
    }

    static func check(_ m: TopologyMetrics, tolerance: Double, _ what: String) {
        let w = m.windows.windows.map(\.requests)
        XCTAssertEqual(w[0..<20].reduce(0, +), 0, "\(what): nothing before 20 s")
        XCTAssertEqual(w[41...].reduce(0, +), 0, "\(what): nothing after 40 s (the last answers land by 40.01 s)")
        XCTAssertEqual(Double(m.requests), 2000, accuracy: tolerance, what)
        XCTAssertEqual(m.incomplete, 0, what)
    }

    func testOpenLoopFromOutside() throws {
        Self.check(try Self.run("from: external"), tolerance: 180, "open loop, external")
    }

    func testOpenLoopFromInside() throws {
        Self.check(try Self.run("from: internal"), tolerance: 180, "open loop, internal")
    }

    func testClosedLoopFromOutside() throws {
        Self.check(try Self.run("from: external\n    clients: 4"), tolerance: 8, "closed loop, external")
    }

    func testClosedLoopFromInside() throws {
        Self.check(try Self.run("from: internal\n    clients: 4"), tolerance: 8, "closed loop, internal")
    }
}

import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// Every target a fault kind accepts acts (docs/faults.md's table): latency on a node, a zone
/// or the gateway, errors at the gateway, a config drift without a target. Each of these was
/// accepted by `validate` and did nothing before.
final class FaultTargetTests: XCTestCase {
    static func run(_ topology: String, faults: String, services: String? = nil,
                    traffic: String = "- { name: t, from: external, to: api, rate: 100/s }") throws -> TopologyMetrics {
        let s = try PolicyTests.scenario("""
            scenario: targets
            duration: 30s
            cluster: { nodes: 2, zones: [a, b] }
            policies: { retries: { attempts: 0 } }
            services:
            \(services ?? "  api: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(2ms) }")
            traffic:
              \(traffic)
            topologies:
              - \(topology)
            faults:
              - \(faults)
            """)
        return try PolicyTests.sim(s, "t").metrics
    }

    /// 100 ms more at both gateway replicas for the whole run: every request's latency is the
    /// 2 ms service, the gateway's sub-millisecond traversals and wires, plus 100 ms once (the
    /// fault delays the request's way in, not its response). The added time does not hold a
    /// gateway worker (only a pass's CPU does, ProxyWork.swift); the replicas get unlimited
    /// workers anyway, so that nothing else is measured here.
    func testLatencyAtTheGateway() throws {
        let m = try Self.run("{ name: t, kind: gateway, preset: envoy-gateway, replicas: 2, gateway: { workers: unlimited } }",
                             faults: "{ at: 0s, kind: latency, target: gateway, add: const(100ms) }")
        XCTAssertEqual(m.latency.p50 / 1e6, 102, accuracy: 3)
        XCTAssertLessThan(m.latency.p99 / 1e6, 106)
    }

    /// gateway/0 answers 503 to 20 % of what it gets, for 10 s, with two replicas taking half
    /// each: 100/s × 10 s × 1/2 × 20 % = 100 failed (sd ≈ √100 = 10; tolerance 40).
    func testErrorsAtOneGatewayReplica() throws {
        let m = try Self.run("{ name: t, kind: gateway, preset: envoy-gateway, replicas: 2 }",
                             faults: "{ at: 10s, for: 10s, kind: errors, target: gateway/0, rate: 20% }")
        XCTAssertEqual(Double(m.errorCount(.unavailable)), 100, accuracy: 40)
        XCTAssertEqual(m.requests - m.succeeded, m.errorCount(.unavailable))
        let errors = TerminationTests.errorsByWindow(m)
        XCTAssertEqual(errors[0..<10].reduce(0, +) + errors[20...].reduce(0, +), 0, "only during the fault")
    }

    /// Latency on node-1 (api/1's node; instances are dealt round robin over the nodes) and on
    /// zone b (node-1's zone: node i is in zone i mod 2): half the requests take 50 ms more,
    /// so the 25th percentile stays near 2 ms and p90 is past 50 ms.
    func testLatencyOnANodeAndOnAZone() throws {
        for target in ["node-1", "b"] {
            let m = try Self.run("{ name: t, kind: none }",
                                 faults: "{ at: 0s, kind: latency, target: \(target), add: const(50ms) }")
            XCTAssertGreaterThan(m.latency.p90 / 1e6, 50, target)
            XCTAssertLessThan(m.latency.percentile(25) / 1e6, 10, "\(target): api/0 is untouched")
        }
    }

    /// A drift without target drifts the callers of every service: front's library calls back
    /// with a 1 ms route timeout while back takes 5 ms, so every request fails (504 from front's
    /// call, answered 503 by front) during the 10 s drift: 100/s × 10 s = 1000 (sd ≈ 32; 130).
    func testConfigDriftWithoutATargetDriftsEveryService() throws {
        let services = """
              api: { workers: unlimited, queue: unlimited, service_time: const(1ms), calls: [back] }
              back: { workers: unlimited, queue: unlimited, service_time: const(5ms) }
            """
        let m = try Self.run("{ name: t, kind: none }",
                             faults: "{ at: 10s, for: 10s, kind: config-drift, policies: { timeout: 1ms } }",
                             services: services)
        XCTAssertEqual(Double(m.requests - m.succeeded), 1000, accuracy: 130)
        let errors = TerminationTests.errorsByWindow(m)
        XCTAssertEqual(errors[0..<10].reduce(0, +) + errors[21...].reduce(0, +), 0, "only during the drift")
    }
}

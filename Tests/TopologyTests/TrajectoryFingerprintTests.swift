import Scenario
import SimCore
import XCTest
@testable import Topology

/// The event-trajectory fingerprint sees routing (docs/ci.md, "Fingerprints"): the same
/// events at the same instants sent to another instance change it; a value no event
/// depends on does not.
final class TrajectoryFingerprintTests: XCTestCase {
    /// Three instances with a constant service time on a zero-latency network: every
    /// request takes exactly 10 ms whichever instance serves it. HTTP/2, so that each
    /// sidecar keeps one connection per pod, opened in the warm-up (50 requests spread
    /// over 3 pods miss one with probability about 3 × (2/3)^50 < 1e-8): no handshake,
    /// whose 0.5 ms of crypto would fall on different requests under different routing.
    func scenario(loadBalancing: String, proxyMemoryMB: Int = 60) throws -> Scenario {
        let yaml = """
        scenario: routing
        seed: 5
        duration: 20s
        warmup: 1s
        cluster:
          network: { same_node: const(0s), same_zone: const(0s), cross_zone: const(0s), external: const(0s) }
        services:
          app: { replicas: 3, workers: unlimited, queue: unlimited, service_time: const(10ms), protocol: http2 }
        traffic:
          - { name: users, from: external, to: app, rate: 50/s }
        policies:
          load_balancing: \(loadBalancing)
        topologies:
          - { name: direct, kind: none }
          - { name: mesh, kind: sidecar, preset: istio-envoy,
              proxy: { latency: const(1ms), workers: unlimited, queue: unlimited, memory_mb: \(proxyMemoryMB) } }

        """
        return try ScenarioLoader.parse(text: yaml, fileName: "routing.yaml", directory: nil)
    }

    func run(_ s: Scenario, _ t: Int) throws -> TopologySimulation {
        var sim = try TopologySimulation(scenario: s, topology: s.topologies[t], seed: s.seed)
        sim.runToEnd()
        return sim
    }

    func testRoutingOnlyChangeChangesTheFingerprint() throws {
        let rr = try scenario(loadBalancing: "round-robin"), random = try scenario(loadBalancing: "random")
        for t in 0..<2 {
            let a = try run(rr, t), b = try run(random, t)
            // Same requests, same latencies, same number of events at the same instants...
            XCTAssertEqual(a.metrics.requests, b.metrics.requests)
            XCTAssertGreaterThan(a.metrics.requests, 900)
            XCTAssertEqual(a.metrics.latency.mean, b.metrics.latency.mean)
            XCTAssertEqual(a.metrics.latency.max, b.metrics.latency.max)
            XCTAssertEqual(a.engine.eventsProcessed, b.engine.eventsProcessed)
            if rr.topologies[t].kind == .none {
                // kube-proxy picks the pod per connection, whatever the library's
                // `load_balancing` says: the same trajectory.
                XCTAssertEqual(a.metrics.fingerprint, b.metrics.fingerprint, rr.topologies[t].name)
            } else {
                // ...but other instances chosen: the trajectory differs.
                XCTAssertNotEqual(a.metrics.fingerprint, b.metrics.fingerprint, rr.topologies[t].name)
            }
            // The model itself is deterministic.
            XCTAssertEqual(a.metrics.fingerprint, try run(rr, t).metrics.fingerprint)
        }
    }

    func testAValueNoEventDependsOnLeavesTheFingerprint() throws {
        // Proxy memory is reported, never simulated.
        let a = try run(scenario(loadBalancing: "round-robin", proxyMemoryMB: 60), 1)
        let b = try run(scenario(loadBalancing: "round-robin", proxyMemoryMB: 90), 1)
        XCTAssertEqual(a.metrics.fingerprint, b.metrics.fingerprint)
        XCTAssertNotEqual(a.model.proxies.first?.profile.memoryMB, b.model.proxies.first?.profile.memoryMB)
    }
}

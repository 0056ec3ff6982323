import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// Scale-in through the one termination lifecycle (Termination.swift): the pods above the new
/// count terminate gracefully with no replacement; callers that still list them until the
/// propagation are refused for propagation − prestop; `for` scales back out.
final class ScaleTests: XCTestCase {
    static func run(kind: String, preStop: String = "0s") throws -> TopologyMetrics {
        let s = try TerminationTests.apiScenario("scale", replicas: 3, nodes: 3, rate: "300/s", kind: kind,
                                                 preStop: preStop, pushDelay: "3s",
                                                 faults: ["{ at: 10s, for: 20s, kind: scale, target: api, replicas: 1 }"])
        return try PolicyTests.sim(s, "t").metrics
    }

    /// `none`: api/1 and api/2 terminate at 10 s and stop listening at once; kube-proxy drops
    /// them at 11 s: each took a third of 300/s, so 2 × 100/s × 1 s = 200 refused (Poisson,
    /// sd ≈ 14; tolerance 60), none after 11 s: api/0 alone serves the rest, and the pods
    /// scaled back out at 30 s are listed at 30 + 10 (readiness period) + 1 = 41 s, never before
    /// they run.
    func testScaleInBehindKubeProxyRefusesForItsPropagation() throws {
        let m = try Self.run(kind: "none")
        XCTAssertEqual(Double(m.errorCount(.refused)), 200, accuracy: 60)
        XCTAssertEqual(TerminationTests.failed(m), m.errorCount(.refused))
        let errors = TerminationTests.errorsByWindow(m)
        XCTAssertEqual(errors[0..<10].reduce(0, +), 0)
        XCTAssertEqual(errors[12...].reduce(0, +), 0, "nothing fails after the removal, nor when scaled back out")
    }

    /// A mesh learns it by the push (3 s): 2 × 100/s × 3 s = 600 refused (sd ≈ 24; tolerance
    /// 100); a preStop of 5 s, longer than the push, leaves none.
    func testScaleInUnderAMeshAndThePreStopFix() throws {
        let mesh = try Self.run(kind: "sidecar, preset: istio")
        XCTAssertEqual(Double(mesh.errorCount(.refused)), 600, accuracy: 100)
        let fixed = try Self.run(kind: "sidecar, preset: istio", preStop: "5s")
        XCTAssertEqual(TerminationTests.failed(fixed), 0)
    }

    /// Scaled to 1 for the rest of the run, 2 workers per pod and 10 ms requests: one pod
    /// serves at most 2 / 10 ms = 200/s, so once kube-proxy sends it everything (11 s) the
    /// other 100/s of the 300/s find its queue of 8 full: 100/s × 20 s = 2000 rejected in
    /// [20 s, 40 s) (the pod is busy nearly all the time at an offered load of 1.5; tolerance
    /// 250 covers the few percent it idles and the Poisson spread). Before, three pods at half
    /// load each almost never fill a queue of 8.
    func testScaledInCapacityIsGone() throws {
        let s = try PolicyTests.scenario("""
            scenario: scale-capacity
            duration: 40s
            policies: { retries: { attempts: 0 }, load_balancing: round-robin }
            services:
              api: { replicas: 3, workers: 2, queue: 8, service_time: const(10ms), prestop: 5s }
            traffic:
              - { name: t, from: external, to: api, rate: 300/s }
            topologies:
              - { name: t, kind: none }
            faults:
              - { at: 10s, kind: scale, target: api, replicas: 1 }
            """)
        let m = try PolicyTests.sim(s, "t").metrics
        let errors = TerminationTests.errorsByWindow(m)
        XCTAssertLessThanOrEqual(errors[0..<10].reduce(0, +), 5, "3 × 200/s of capacity for 300/s")
        XCTAssertEqual(Double(errors[20..<40].reduce(0, +)), 2000, accuracy: 250)
    }
}

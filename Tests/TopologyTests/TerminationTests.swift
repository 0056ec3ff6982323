import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// Issue 14: failures as they unfold in time. Graceful termination and rollouts (endpoint
/// removal after propagation), detection of a dead node's pods, and the health checks of the
/// load balancer in front of gateway replicas. Every expected value is derived in the comments;
/// tolerances are four standard deviations of the Poisson counts involved.
final class TerminationTests: XCTestCase {
    /// The fixture the termination tests share: one `api` service of `replicas` pods
    /// (unlimited workers, 2 ms each), `rate` external requests/s, no retries, round robin,
    /// 60 s, one topology `t` of `kind`, and the given faults (one flow mapping each).
    static func apiScenario(_ name: String, replicas: Int, nodes: Int, rate: String, kind: String = "none",
                            preStop: String? = nil, pushDelay: String? = nil, faults: [String]) throws -> Scenario {
        try PolicyTests.scenario("""
            scenario: \(name)
            duration: 60s
            cluster: { nodes: \(nodes) }
            \(pushDelay.map { "control_plane: { push_delay: const(\($0)) }" } ?? "")
            policies: { retries: { attempts: 0 }, load_balancing: round-robin }
            services:
              api: { replicas: \(replicas), workers: unlimited, queue: unlimited, service_time: const(2ms)\(preStop.map { ", prestop: \($0)" } ?? "") }
            traffic:
              - { name: t, from: external, to: api, rate: \(rate) }
            topologies:
              - { name: t, kind: \(kind) }
            faults:
            \(faults.map { "  - " + $0 }.joined(separator: "\n"))
            """)
    }

    /// Errors completing in each window of the measured period.
    static func errorsByWindow(_ m: TopologyMetrics) -> [Int] { m.windows.windows.map(\.errors) }

    static func failed(_ m: TopologyMetrics) -> Int { m.requests - m.succeeded }

    // MARK: - Rollout

    /// Three api pods behind an Istio ingress, round robin, no retries, the endpoint push taking
    /// a constant 3 s. The rollout (max_surge 1, max_unavailable 0, readiness period 10 s)
    /// replaces one pod at a time: its surge pod starts at 10 s and is ready at 20 s, when the
    /// first old pod terminates; then one every 10 s (20, 30, 40 s).
    /// Each old pod stops listening at T + prestop while callers list it until T + 3 s; the
    /// ingress sends it a third of 300/s = 100/s, so each replaced pod costs
    /// 100/s × (3 s − prestop) refused requests:
    /// - prestop 0:  3 pods × 100/s × 3 s = 900;
    /// - prestop 1s: 3 × 100/s × 2 s = 600;
    /// - prestop 5s (> propagation): 0.
    /// The count is a third of the Poisson(300/s × window) arrivals: sd = √(900·3)/3 ≈ 17 for
    /// 900 and √(600·3)/3 ≈ 14 for 600; tolerance 4 sd.
    func testRolloutFailuresAreRateTimesPropagationMinusPreStop() throws {
        func run(_ preStop: String, kind: String = "sidecar, preset: istio") throws -> TopologyMetrics {
            let s = try Self.apiScenario("rollout", replicas: 3, nodes: 3, rate: "300/s", kind: kind, preStop: preStop,
                                         pushDelay: "3s",
                                         faults: ["{ at: 10s, kind: rollout, target: api, max_unavailable: 0, max_surge: 1 }"])
            return try PolicyTests.sim(s, "t").metrics
        }
        let none = try run("0s")
        XCTAssertEqual(Double(none.errorCount(.refused)), 900, accuracy: 70)
        XCTAssertEqual(Self.failed(none), none.errorCount(.refused), "connection refused, nothing else")
        let errors = Self.errorsByWindow(none)
        XCTAssertEqual(errors[0..<20].reduce(0, +), 0, "before the first old pod terminates at 20 s")
        XCTAssertGreaterThan(errors[20], 50, "[20 s, 21 s): ~100 refused")
        XCTAssertEqual(errors[23..<30].reduce(0, +), 0, "the removal reached the ingress at 23 s")
        XCTAssertEqual(errors[43...].reduce(0, +), 0, "the last pod's removal propagated at 43 s")

        let short = try run("1s")
        XCTAssertEqual(Double(short.errorCount(.refused)), 600, accuracy: 60)
        let long = try run("5s")
        XCTAssertEqual(Self.failed(long), 0, "preStop outlasts the propagation: nobody is refused")
        // Sidecar-less (Istio ambient, no waypoint): the ingress still picks the pod, ztunnel
        // carries the connection and nobody retries a refusal: the same 900, and 0 with the
        // preStop (istio/istio#58514 reports this per terminating pod behind ztunnel).
        let ambient = try run("0s", kind: "sidecarless, preset: istio-ambient")
        XCTAssertEqual(Double(ambient.errorCount(.refused)), 900, accuracy: 70)
        XCTAssertEqual(Self.failed(try run("5s", kind: "sidecarless, preset: istio-ambient")), 0)
    }

    /// The same rollout behind kube-proxy (`none`): propagation is kube-proxy's 1 s, so
    /// 3 pods × 100/s × 1 s = 300 refused (sd = √900/3 = 10; tolerance 4 sd).
    func testRolloutBehindKubeProxyFailsForItsPropagation() throws {
        let s = try Self.apiScenario("rollout", replicas: 3, nodes: 3, rate: "300/s",
                                     faults: ["{ at: 10s, kind: rollout, target: api, max_unavailable: 0, max_surge: 1 }"])
        let m = try PolicyTests.sim(s, "t").metrics
        XCTAssertEqual(Double(m.errorCount(.refused)), 300, accuracy: 40)
        XCTAssertLessThan(m.failedLatency.p99 / 1e6, 5, "refused at once: a live node answers with a reset")
    }

    /// A restart keeps in-flight work within the grace period and kills it after. One api pod
    /// behind kube-proxy (`none`), 5 s requests at 10/s, restart at 10.5 s, no retries:
    /// - the pod stops listening at once and leaves kube-proxy's rules at 11.5 s: arrivals in
    ///   [10.5 s, 11.5 s) are refused, 10/s × 1 s = 10 (sd √10 ≈ 3.2);
    /// - grace 30 s: the requests it accepted before 10.5 s all finish: no reset;
    /// - grace 2 s: SIGKILL at 12.5 s resets those still running, the ones that arrived in
    ///   (7.5 s, 10.5 s]: 10/s × 3 s = 30 (sd √30 ≈ 5.5), counted as unavailable (reset, 503);
    ///   the replacement, listed from 11.5 s, keeps its own work: the requests it accepted in
    ///   [11.5 s, 12.5 s) finish at 16.5–17.5 s.
    func testInFlightWorkFinishesWithinTheGracePeriodOnly() throws {
        func run(_ grace: String) throws -> TopologyMetrics {
            let s = try PolicyTests.scenario("""
                scenario: grace
                duration: 30s
                policies: { retries: { attempts: 0 } }
                services:
                  api: { replicas: 1, workers: unlimited, queue: unlimited, service_time: const(5s), termination_grace: \(grace) }
                traffic:
                  - { name: t, from: external, to: api, rate: 10/s }
                topologies:
                  - { name: t, kind: none }
                faults:
                  - { at: 10.5s, kind: restart, target: api }
                """)
            return try PolicyTests.sim(s, "t").metrics
        }
        let kept = try run("30s")
        XCTAssertEqual(Double(kept.errorCount(.refused)), 10, accuracy: 13)
        XCTAssertEqual(kept.errorCount(.unavailable), 0, "everything accepted finished")
        let killed = try run("2s")
        XCTAssertEqual(Double(killed.errorCount(.unavailable)), 30, accuracy: 22)
        XCTAssertEqual(Double(killed.errorCount(.refused)), 10, accuracy: 13)
        let errors = Self.errorsByWindow(killed)
        XCTAssertEqual(errors[12], killed.errorCount(.unavailable), "all reset at 12.5 s")
        XCTAssertGreaterThan(killed.windows.windows[16].succeeded + killed.windows.windows[17].succeeded, 0,
                             "the replacement's own requests are not killed")
    }

    // MARK: - Node loss behind kube-proxy

    /// `none`: two api pods (api/0 on node-0, api/1 on node-1), round robin, connect timeout
    /// 1 s, no retries; node-1 goes down at 10 s. kube-proxy keeps sending half the calls to
    /// api/1 until the node lifecycle controller marks it NotReady (40 s grace) and the removal
    /// is programmed (1 s): calls sent in [10 s, 51 s) to api/1 fail after the connect
    /// timeout: 20/s × 41 s / 2 = 410 (sd = √820/2 ≈ 14; tolerance 4 sd). The last one fails at
    /// 51 s + 1 s; none after.
    func testAPodOnADeadNodeFailsCallsForGracePlusPropagation() throws {
        let s = try PolicyTests.scenario("""
            scenario: node-down
            duration: 80s
            cluster: { nodes: 3 }
            policies: { retries: { attempts: 0 }, load_balancing: round-robin, connect_timeout: 1s }
            services:
              api: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(2ms) }
            traffic:
              - { name: t, from: external, to: api, rate: 20/s }
            topologies:
              - { name: t, kind: none }
            faults:
              - { at: 10s, kind: node-down, target: node-1 }
            """)
        let m = try PolicyTests.sim(s, "t").metrics
        XCTAssertEqual(Double(m.errorCount(.refused)), 410, accuracy: 60)
        XCTAssertEqual(m.failedLatency.p50 / 1e6, 1000, accuracy: 2, "each waits out the connect timeout")
        let errors = Self.errorsByWindow(m)
        XCTAssertGreaterThan(errors[48], 0, "still failing at 48 s")
        XCTAssertEqual(errors[53...].reduce(0, +), 0, "none once the removal is programmed")
    }

    // MARK: - The load balancer in front of gateway replicas

    /// Two Envoy gateway replicas behind a load balancer that health-checks every 5 s (at 5, 10,
    /// 15 ... s) and needs 3 failures; gateway/1 goes down at 12.5 s. Its checks fail at 15, 20
    /// and 25 s, so the load balancer keeps sending it every second request for
    /// (15 − 12.5) + 2 × 5 = 12.5 s: 100/s × 12.5 s / 2 = 625 refused (sd = √1250/2 ≈ 18;
    /// tolerance 4 sd), none after 25 s.
    /// Without a `health_check` the load balancer runs AWS target groups' defaults (30 s × 2):
    /// its checks at 30 s and 60 s fail, so in this 40 s run gateway/1 gets half the traffic
    /// from 12.5 s to the end: 100/s × 27.5 s / 2 = 1375 refused (sd = √2750/2 ≈ 26; tolerance
    /// 105), still failing in the last window.
    func testAGatewayReplicaFailsCallsUntilItsHealthChecksMarkItDown() throws {
        func run(_ hc: String) throws -> TopologyMetrics {
            let s = try PolicyTests.scenario("""
                scenario: lb
                duration: 40s
                cluster: { nodes: 3 }
                policies: { retries: { attempts: 0 }\(hc) }
                services:
                  api: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(2ms) }
                traffic:
                  - { name: t, from: external, to: api, rate: 100/s }
                topologies:
                  - { name: t, kind: gateway, preset: envoy-gateway, replicas: 2 }
                faults:
                  - { at: 12.5s, kind: gateway-down, target: gateway/1 }
                """)
            return try PolicyTests.sim(s, "t").metrics
        }
        let checked = try run(", health_check: { interval: 5s, unhealthy_threshold: 3 }")
        XCTAssertEqual(Double(Self.failed(checked)), 625, accuracy: 75)
        let errors = Self.errorsByWindow(checked)
        XCTAssertEqual(errors[0..<12].reduce(0, +), 0)
        XCTAssertGreaterThan(errors[24], 20, "[24 s, 25 s): still ~50")
        XCTAssertEqual(errors[26...].reduce(0, +), 0, "marked down at 25 s")
        let unchecked = try run("")
        XCTAssertEqual(Double(Self.failed(unchecked)), 1375, accuracy: 105)
        XCTAssertGreaterThan(Self.errorsByWindow(unchecked)[39], 20, "not marked down before its second check at 60 s")
    }

    /// Both replicas down from 12.5 s to 32.5 s, checks every 5 s with threshold 3: every
    /// request in the outage fails, 100/s × 20 s = 2000 (sd ≈ 45; tolerance 180). Both are
    /// marked down at 25 s, so the load balancer fails open and sends to both: once they are
    /// back at 32.5 s requests succeed at once, not at the next check (35 s).
    func testTheLoadBalancerFailsOpenWhenEveryReplicaIsMarkedDown() throws {
        let s = try PolicyTests.scenario("""
            scenario: lb-open
            duration: 40s
            cluster: { nodes: 3 }
            policies: { retries: { attempts: 0 }, health_check: { interval: 5s, unhealthy_threshold: 3 } }
            services:
              api: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(2ms) }
            traffic:
              - { name: t, from: external, to: api, rate: 100/s }
            topologies:
              - { name: t, kind: gateway, preset: envoy-gateway, replicas: 2 }
            faults:
              - { at: 12.5s, for: 20s, kind: gateway-down }
            """)
        let m = try PolicyTests.sim(s, "t").metrics
        XCTAssertEqual(Double(Self.failed(m)), 2000, accuracy: 180)
        let errors = Self.errorsByWindow(m)
        XCTAssertEqual(errors[33...].reduce(0, +), 0, "served as soon as the replicas are back")
    }
}

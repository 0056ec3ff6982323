import Calibration
import Foundation
import Scenario
import SimCore
@testable import Topology
import XCTest

/// Each policy component against values derived by hand from the product's documented
/// semantics (the arithmetic is in each comment).
final class PolicyTests: XCTestCase {
    static func scenario(_ yaml: String) throws -> Scenario {
        try ScenarioLoader.parse(text: yaml, fileName: "policy-test.yaml")
    }

    static func sim(_ s: Scenario, _ topology: String, seed: UInt64 = 1) throws -> TopologySimulation {
        var sim = try TopologySimulation(scenario: s, topology: XCTUnwrap(s.topology(named: topology)), seed: seed)
        sim.runToEnd()
        return sim
    }

    // MARK: - Timeouts

    /// Per-try timeout 1 s on a 3 s service, 2 retries on timeout, no route timeout:
    /// 3 tries of 1 s each, separated by Envoy back-offs uniform(0, 25 ms) and
    /// uniform(0, 75 ms): every request fails as a timeout after 3.000–3.100 s (plus the
    /// sub-millisecond path before the enforcer), with 3 tries per call.
    func testPerTryTimeoutRetriesEachTry() throws {
        let s = try Self.scenario("""
            scenario: per-try
            duration: 60s
            services:
              slow: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(3s) }
            traffic:
              - { name: t, from: internal, to: slow, rate: 5/s }
            topologies:
              - name: mesh
                kind: sidecar
                preset: istio-1.24
                policies: { per_try_timeout: 1s, retries: { attempts: 2, on: [timeout] } }
            """)
        let m = try Self.sim(s, "mesh").metrics
        XCTAssertEqual(m.errorCount(.timeout), m.requests)
        XCTAssertGreaterThanOrEqual(m.failedLatency.percentile(0.1) / 1e6, 3000 * 0.999)
        XCTAssertLessThanOrEqual(m.failedLatency.max / 1e6, 3101 * 1.001)
        // Three tries for every finished call; calls still running at the end made fewer.
        let svc = m.services[0]
        XCTAssertGreaterThanOrEqual(svc.attempts, 3 * (svc.succeeded + svc.failed))
        XCTAssertLessThanOrEqual(svc.attempts, 3 * svc.calls)
    }

    /// The back-off Envoy documents: retry N waits uniform(0, (2^N − 1) × 25 ms), capped at
    /// 250 ms. Retry 2: uniform(0, 75 ms), mean 37.5 ms, sd 75/√12 = 21.65 ms, so the mean
    /// of 10,000 draws is within 4 × 0.2165 = 0.87 ms. Retry 5: (31 × 25 = 775) capped to
    /// uniform(0, 250 ms), mean 125 ms ± 4 × 0.722 = 2.9 ms.
    func testJitteredExponentialBackoff() throws {
        let s = try Self.scenario("""
            scenario: backoff
            duration: 1s
            services: { a: { service_time: const(1ms) } }
            traffic: [ { name: t, to: a, rate: 1/s } ]
            topologies: [ { name: d, kind: none } ]
            """)
        var sim = try TopologySimulation(scenario: s, topology: s.topologies[0], seed: 7)
        let b = RetryBackoff.jittered(base: 25_000_000, max: 250_000_000)
        var sum2 = 0.0, max2: SimTime = 0, sum5 = 0.0, max5: SimTime = 0
        for _ in 0..<10_000 {
            let d2 = sim.backoffDelay(b, retry: 2), d5 = sim.backoffDelay(b, retry: 5)
            sum2 += Double(d2); max2 = max(max2, d2); sum5 += Double(d5); max5 = max(max5, d5)
        }
        XCTAssertEqual(sum2 / 10_000 / 1e6, 37.5, accuracy: 0.87)
        XCTAssertLessThan(max2, 75_000_000)
        XCTAssertEqual(sum5 / 10_000 / 1e6, 125, accuracy: 2.9)
        XCTAssertLessThan(max5, 250_000_000)
    }

    // MARK: - Retry budgets

    /// Envoy's concurrent budget with percent 0% and min_concurrent 10 binds at exactly 10
    /// retries in progress. Every try fails after 100 ms; back-off uniform(0, 25 ms); one
    /// gateway replica; 3 retries per call. As for max_retries (PolicyCaseTests): per slot
    /// 3 retries per 3 × 112.9 + 5 = 343.7 ms, so 10 slots: 10 × 3 / 0.3437 = 87.3 retries/s,
    /// 5,237 over 60 s (±1%: each slot's count has sd ~2).
    func testConcurrentRetryBudgetBindsAtItsMinimum() throws {
        let s = try Self.scenario("""
            scenario: budget
            duration: 60s
            warmup: 5s
            cluster: { nodes: 2 }
            services:
              backend: { replicas: 4, workers: unlimited, queue: unlimited, service_time: const(100ms), errors: 100% }
            traffic:
              - { name: load, from: external, to: backend, rate: 200/s }
            topologies:
              - name: envoy
                kind: gateway
                preset: envoy-gateway
                replicas: 1
                gateway: { workers: unlimited }
                policies: { retries: { attempts: 3, on: [unavailable], backoff: uniform(0ms, 25ms),
                                       budget: { percent: 0%, min_concurrent: 10 } } }
            """)
        let m = try Self.sim(s, "envoy").metrics
        let retries = Double(m.services[0].attempts - m.services[0].calls)
        XCTAssertEqual(retries, 5237, accuracy: 52)
    }

    /// Linkerd's budget: retries over the last 10 s ≤ 20% of requests over it + 10/s × 10 s.
    /// 100 req/s all failing, 3 retries each wanted (300/s): granted 20 + 10 = 30/s in
    /// steady state. The window is kept in ten 1 s buckets, so it spans 9–10 s of requests
    /// and retries alike while the 100-retry floor is whole: 20 + 100/9.5 = 30.5/s; between
    /// 29 and 32 over 50 measured seconds.
    func testLinkerdRatioBudget() throws {
        let s = try Self.scenario("""
            scenario: linkerd-budget
            duration: 50s
            warmup: 20s
            services:
              backend: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(10ms), errors: 100% }
            traffic:
              - { name: load, from: internal, to: backend, rate: 100/s }
            topologies:
              - name: linkerd
                kind: sidecar
                preset: linkerd
                policies: { retries: { attempts: 3, on: [unavailable] } }
            """)
        let m = try Self.sim(s, "linkerd").metrics
        let perSecond = Double(m.services[0].attempts - m.services[0].calls) / 50
        XCTAssertGreaterThan(perSecond, 29)
        XCTAssertLessThan(perSecond, 32)
    }

    // MARK: - Circuit breakers

    /// A local overflow is answered 503 UO at once and never retried, even with `5xx` in
    /// retry_on: max_requests 1 on a 100 ms service at 50 req/s admits one at a time; after
    /// each answer (100 ms + ~0.1 ms of wires and gateway) the next arrival is 20 ms away on
    /// average, so 1 / 0.1201 = 8.33 calls/s succeed. Over 30 s: ~250 cycles with sd 20 ms
    /// each, so the rate's sd is ~0.09/s; 4 sd = 0.35.
    func testOverflowIsNeverRetried() throws {
        let s = try Self.scenario("""
            scenario: overflow
            duration: 30s
            services:
              api: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(100ms) }
            traffic:
              - { name: load, from: external, to: api, rate: 50/s }
            topologies:
              - name: envoy
                kind: gateway
                preset: envoy-gateway
                replicas: 1
                policies:
                  retries: { attempts: 3, on: [5xx] }
                  circuit_breakers: { max_requests: 1, max_pending_requests: 0 }
            """)
        let m = try Self.sim(s, "envoy").metrics
        // One try per admitted call, none for overflows: every try succeeds but the one that
        // may still be in progress at the end (max_requests 1: at most one).
        let unanswered = m.services[0].attempts - m.services[0].succeeded
        XCTAssertTrue((0...1).contains(unanswered), "one try per admitted call, none for overflows: \(unanswered) unanswered")
        XCTAssertEqual(Double(m.succeeded) / 30, 8.33, accuracy: 0.35, "one in progress at a time")
        XCTAssertEqual(m.errorCount(.overflow), m.requests - m.succeeded)
        XCTAssertEqual(m.hops[HopKind.backoff.rawValue].traversals, 0)
    }

    // MARK: - Outlier detection, per proxy

    /// Two callers of `target`: `early` sees target/0 fail (100% errors during [5 s, 10 s))
    /// and ejects it after 5 consecutive errors; `late` only starts calling at 20 s, when
    /// target/0 is healthy again, so in its own view target/0 was never ejected. A global
    /// detector would have it ejected for `late` too.
    func testEjectionIsPerCallingProxy() throws {
        let s = try Self.scenario("""
            scenario: per-proxy
            duration: 30s
            services:
              early: { replicas: 1, service_time: const(1ms), calls: [target] }
              late: { replicas: 1, service_time: const(1ms), calls: [target] }
              target: { replicas: 2, service_time: const(1ms) }
            traffic:
              - { name: e, from: internal, to: early, rate: 50/s }
              - name: l
                from: internal
                to: late
                profile: [ { at: 0s, rate: 0/s }, { at: 20s, rate: 50/s } ]
            topologies:
              - name: mesh
                kind: sidecar
                preset: istio-1.24
                policies:
                  retries: off
                  outlier_detection: { consecutive_errors: 5, interval: 10s, ejection: 30s, max_ejection: 50% }
            faults:
              - { at: 5s, for: 5s, kind: errors, target: target/0, rate: 100% }
            """)
        let sim = try Self.sim(s, "mesh")
        let target = 2
        let t0 = sim.model.serviceFirstInstance[target]
        func view(of caller: Int) -> HostView {
            let sidecar = sim.model.instances[sim.model.serviceFirstInstance[caller]].sidecar
            let u = Int(sim.upstreamSlot[sidecar * s.services.count + target])
            return sim.hostViews[sim.hostView(u, instance: t0)]
        }
        XCTAssertGreaterThan(view(of: 0).ejectedUntil, Fx.seconds(30), "early still has target/0 out at the end")
        XCTAssertEqual(view(of: 1).ejectedUntil, 0, "late never ejected it")
        XCTAssertEqual(view(of: 1).multiplier, 0)
        XCTAssertEqual(sim.metrics.ejections, 1)
        // `late` never fails: target/0 is healthy whenever it calls.
        XCTAssertEqual(sim.metrics.services[1].failed, 0)
    }

    /// The ejected host returns at the first interval sweep at or after ejection time ×
    /// times ejected; a second ejection (errors again at once) lasts twice as long, and
    /// healthy sweeps decay the multiplier by one each.
    func testEjectionLastsUntilTheSweepAfterBaseTimesCount() throws {
        let s = try Self.scenario("""
            scenario: sweep
            duration: 120s
            services:
              target: { replicas: 10, service_time: const(1ms) }
            traffic:
              - { name: g, from: external, to: target, rate: 200/s }
            topologies:
              - name: envoy
                kind: gateway
                preset: envoy-gateway
                replicas: 1
                policies: { outlier_detection: { consecutive_errors: 5, interval: 10s, ejection: 20s } }
            faults:
              - { at: 1s, kind: errors, target: target/0, rate: 100% }
            """)
        var sim = try TopologySimulation(scenario: s, topology: s.topologies[0], seed: 3)
        let g = sim.model.gatewayReplicas[0]
        let od = try XCTUnwrap(sim.policies[1].outlier)
        // Run to just after the first ejection: target/0 gets 1/10 of 200/s, so 5 errors
        // take ~0.25 s after the fault starts.
        sim.run(until: Fx.seconds(3))
        let u = Int(sim.upstreamSlot[g * s.services.count + 0])
        let h = sim.hostView(u, instance: 0)
        let firstOut = sim.hostViews[h].ejectedUntil
        XCTAssertEqual(sim.hostViews[h].multiplier, 1)
        let phase = sim.upstreams[u].sweepPhase
        // A sweep time, and the first one at or after (ejected at ∈ [1 s, 3 s]) + 20 s.
        XCTAssertEqual((firstOut - phase) % od.interval, 0)
        XCTAssertGreaterThanOrEqual(firstOut, Fx.seconds(21))
        XCTAssertLessThan(firstOut, Fx.seconds(3) + Fx.seconds(20) + od.interval)
        // Back at the sweep `firstOut`, it fails 5 more within ~25 ms: out for 2 × 20 s from
        // then, so the sweep at firstOut + 40 s is a few ms early and it returns at the
        // next one, firstOut + 50 s.
        sim.run(until: firstOut + Fx.seconds(1))
        XCTAssertEqual(sim.hostViews[h].multiplier, 2)
        XCTAssertEqual(sim.hostViews[h].ejectedUntil, firstOut + Fx.seconds(40) + od.interval)
    }

    /// Healthy panic: both hosts fail every request and outlier detection (max 100%)
    /// ejects both. Envoy's 50% threshold then balances over both anyway, so tries keep
    /// reaching them; Istio's 0% never panics, so calls fail at the proxy with no
    /// healthy upstream and only the ~10 tries before the ejections reach the hosts
    /// (5 consecutive errors each, ejected for 30 s or more, past the end of the 20 s run).
    func testPanicThresholdZeroVersusFifty() throws {
        func run(_ panic: String) throws -> TopologyMetrics {
            let s = try Self.scenario("""
                scenario: panic
                duration: 20s
                services:
                  api: { replicas: 2, service_time: const(1ms), errors: 100% }
                traffic:
                  - { name: g, from: external, to: api, rate: 100/s }
                topologies:
                  - name: envoy
                    kind: gateway
                    preset: envoy-gateway
                    replicas: 1
                    policies:
                      outlier_detection: { consecutive_errors: 5, interval: 10s, ejection: 30s, max_ejection: 100%, panic_threshold: \(panic) }
                """)
            return try Self.sim(s, "envoy").metrics
        }
        let envoy = try run("50%"), istio = try run("0%")
        XCTAssertEqual(envoy.services[0].attempts, envoy.services[0].calls, "in panic every call reaches a host")
        XCTAssertEqual(istio.services[0].attempts, 10, "5 per host, then none")
        XCTAssertEqual(istio.errorCount(.unavailable), istio.requests)
    }
}

/// Paths split at the enforcer still hold every segment: the longest prefix is a node
/// proxy, a wire through two east-west gateways' worth of segments and a waypoint.
final class RoutingTests: XCTestCase {
    func testCrossClusterWaypointPathsRunWhole() throws {
        let s = try PolicyTests.scenario("""
            scenario: cross-cluster-waypoint
            duration: 20s
            cluster: { nodes: 4, clusters: 2 }
            services:
              front: { replicas: 2, service_time: const(1ms), calls: [back], cluster: 0 }
              back: { replicas: 2, service_time: const(1ms), cluster: 1 }
            traffic:
              - { name: t, from: internal, to: front, rate: 50/s }
            topologies:
              - { name: ambient, kind: sidecarless, preset: istio-ambient, waypoint: { replicas: 1 } }
            """)
        let m = try PolicyTests.sim(s, "ambient").metrics
        XCTAssertGreaterThan(m.requests, 900)
        XCTAssertEqual(m.succeeded, m.requests)
        // Every front → back call crosses clusters once each way through an east-west gateway.
        XCTAssertGreaterThanOrEqual(m.hops[HopKind.eastWest.rawValue].traversals, 2 * m.requests)
    }
}

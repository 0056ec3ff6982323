import Calibration
import Foundation
import Scenario
import SimCore
@testable import Topology
import XCTest

/// The shared failing inputs (Cases/, copied from ../shared/cases/), each asserting the
/// right value its comment states, with the arithmetic here.
final class PolicyCaseTests: XCTestCase {
    static let casesDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Cases")

    static func load(_ name: String, edit: (String) -> String = { $0 }) throws -> Scenario {
        let url = casesDir.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        return try ScenarioLoader.parse(text: edit(text), fileName: name, directory: casesDir.path)
    }

    static func run(_ s: Scenario, _ topology: String, seed: UInt64 = 1) throws -> TopologyMetrics {
        let t = try XCTUnwrap(s.topology(named: topology))
        var sim = try TopologySimulation(scenario: s, topology: t, seed: seed)
        sim.runToEnd()
        return sim.metrics
    }

    /// istio/istio#21137 variant: every try answers 503 after 1.5 s; route timeout 2 s,
    /// 3 retries. The first try fails at 1.5 s, the retry starts after ≤ 25 ms of back-off
    /// and is cut by the route timeout at 2.0 s: 2 tries per request, every request a 504
    /// after 2.0 s (plus the sidecars' and wire's sub-millisecond share before the enforcer
    /// starts the timer).
    func testRouteTimeoutIncludesEveryRetry() throws {
        let s = try Self.load("03b-route-timeout-503-retries.yaml")
        let m = try Self.run(s, "istio")
        XCTAssertGreaterThan(m.requests, 1000)
        XCTAssertEqual(m.errorCount(.timeout), m.requests, "every request ends in a 504")
        let svc = m.services[0]
        // Tries per call: exactly 2 for every call finished (boundary calls aside).
        let triesPerCall = Double(svc.attempts) / Double(svc.calls)
        XCTAssertEqual(triesPerCall, 2.0, accuracy: 0.02)
        // Failed after the route timeout: 2000 ms + at most ~1 ms of path before the timer,
        // read from a 3-significant-digit histogram (±0.1%, 2 ms at 2 s).
        XCTAssertEqual(m.failedLatency.p50 / 1e6, 2000, accuracy: 3)
        XCTAssertLessThan(m.failedLatency.max / 1e6, 2000 * 1.001 + 1)
    }

    /// envoyproxy/envoy#29762: max_retries 3 per proxy and cluster. A retry holds its slot
    /// from its scheduling through its back-off (uniform(0, 25 ms), mean 12.5 ms) and its
    /// try (100 ms plus two wires of 20–200 µs): ≈ 112.9 ms. When that try fails, its call
    /// takes the slot again at once for its next retry, up to its 3 retries; then the slot
    /// waits for the next failing first try, 1/200 s = 5 ms on average for one replica.
    /// Per slot: 3 retries per 3 × 112.9 + 5 = 343.7 ms, so 3 slots make 3 × 3 / 0.3437 =
    /// 26.2 retries/s: 1 + 26.2/200 = 1.131 tries per request (the case's ~1.13; not 4).
    /// Over 60 s: 1571 retries; each slot cycles ~175 times with sd ≈ 5 ms per cycle (the
    /// exponential wait; the three uniform back-offs add 12.5 ms), so the total's sd is ~6.
    func testMaxRetriesBreakerBoundsConcurrentRetriesPerProxy() throws {
        let one = try Self.load("04-envoy-max-retries-default-envoy29762.yaml") {
            $0.replacingOccurrences(of: "    gateway: { workers: unlimited }", with: "    replicas: 1\n    gateway: { workers: unlimited }")
        }
        for name in ["envoy_default", "envoy_budget_min3"] {
            let m = try Self.run(one, name)
            let svc = m.services[0]
            let retries = Double(svc.attempts - svc.calls)
            XCTAssertEqual(retries, 1571, accuracy: 1571 * 0.01, name)
            XCTAssertEqual(Double(svc.attempts) / Double(svc.calls), 1.131, accuracy: 0.01, name)
        }
        // The state is per proxy: the case as written has 2 gateway replicas, each with its
        // own 3 slots and half the failures (a 10 ms wait): 2 × 9 / (3 × 0.1129 + 0.010)
        // = 51.6 retries/s, 1 + 51.6/200 = 1.258 tries per request.
        let two = try Self.load("04-envoy-max-retries-default-envoy29762.yaml")
        let m = try Self.run(two, "envoy_default")
        XCTAssertEqual(Double(m.services[0].attempts) / Double(m.services[0].calls), 1.258, accuracy: 0.012)
    }

    /// knative-extensions/net-kourier#839: Envoy's 1024 circuit breakers. 2,000 req/s to 1 s
    /// upstreams through one Envoy: 1024 requests in progress, 1024 more pending (HTTP/1.1
    /// max_pending_requests), the rest answered 503 UO at once. Admitted throughput is
    /// exactly 1024/s; everything else overflows: 2000 − 1024 = 976/s, ~48.8%.
    func testConnectionCircuitBreakersOverflowAtOnce() throws {
        let s = try Self.load("12-envoy-max-requests-1024.yaml")
        let m = try Self.run(s, "envoy_gw")
        let calls = Double(m.services[0].calls)
        let overflow = Double(m.errorCount(.overflow))
        // Every call is admitted at 1024/s or overflows; the pending queue (≤ 1024) is the slack.
        XCTAssertEqual(overflow, calls - 1024 * 30, accuracy: 1024)
        XCTAssertEqual(overflow / calls, 1 - 1024.0 / 2000, accuracy: 0.02)
        // Successes: 1024/s, over the 28 s in which a request can start and finish (1 s pending + 1 s).
        XCTAssertEqual(Double(m.succeeded), 1024 * 28, accuracy: 1024)
        // An overflow is answered at once: the wire and the gateway only (well under 5 ms).
        XCTAssertLessThan(m.failedLatency.p50 / 1e6, 5)
        XCTAssertEqual(m.roles[HopKind.gateway.rawValue].connectionsMax, 1024)
        XCTAssertGreaterThan(m.incomplete, 1024, "the last ~2 s of admitted requests are still in flight")
    }

    /// NGINX docs: a 503 is passed through (proxy_next_upstream is `error timeout`) and is
    /// not a failure for max_fails, so server 0 keeps a third of the traffic: 10% / 3 =
    /// 3.33% of requests fail. n ≈ 36,000: binomial sd √(n·p·(1−p)) ≈ 34 requests (0.09
    /// points); 4 sd = 0.38 points.
    func testNginxPassesA503ThroughAndDoesNotMarkTheServer() throws {
        let s = try Self.load("05-nginx-503-not-a-failure.yaml")
        let m = try Self.run(s, "nginx")
        XCTAssertEqual(1 - m.successRate, 0.1 / 3, accuracy: 0.0038)
        XCTAssertEqual(m.services[0].attempts, m.services[0].calls, "a 503 is not retried")
        XCTAssertEqual(m.ejections, 0)
    }

    /// NGINX's flat fail_timeout: the crashed server is unavailable for 10 s after each
    /// failure, then one request probes it again: 600 s / ~10.06 s ≈ 59.6 probes in the
    /// measured 10 min. With proxy_next_upstream the probe is retried on the next server
    /// (no client error); with it off each probe is one client error.
    func testNginxProbesADownServerOncePerFailTimeout() throws {
        let s = try Self.load("05b-nginx-fail-timeout-flat.yaml")
        let next = try Self.run(s, "nginx")
        XCTAssertEqual(next.succeeded, next.requests)
        let off = try Self.run(s, "nginx_no_next")
        XCTAssertEqual(Double(off.errorCount(.refused)), 59.6, accuracy: 1.5)
        XCTAssertEqual(Double(off.ejections), 59.6, accuracy: 1.5, "each probe marks it down again, flat")
    }

    /// Kong's fixed window admits up to 59 per minute, so 1 request per minute is never
    /// limited; a bucket never holds less than one request.
    func testALimitBelowOnePerSecondAdmitsAConsumerBelowIt() throws {
        let s = try Self.load("06b-ratelimit-below-1ps-default-burst.yaml")
        for name in ["kong_59_per_min", "kong_60_per_min", "kong_1000_per_h"] {
            let m = try Self.run(s, name)
            XCTAssertGreaterThan(m.requests, 0)
            XCTAssertEqual(m.errorCount(.rateLimited), 0, name)
        }
    }

    /// A closed loop honours its profile: 0/s until 50 s, then 1/s for 10 s: 10 requests.
    func testClosedLoopSendsNothingAtZeroRate() throws {
        let s = try Self.load("13-side-closed-loop-zero-rate.yaml")
        let m = try Self.run(s, "direct")
        XCTAssertEqual(m.requests, 10)
    }

    /// During a gateway outage external clients (which don't retry) fail at once: no
    /// back-off is spent, because the gateway that would retry is the one that is down.
    func testGatewayOutageSpendsNoRetryBackoff() throws {
        let s = try Self.load("reports-gateway-down-retries.yaml")
        let m = try Self.run(s, "kong-edge")
        XCTAssertEqual(m.hops[HopKind.backoff.rawValue].traversals, 0)
        XCTAssertGreaterThan(m.errorCount(.unavailable) + m.errorCount(.refused), 1500, "20 s × 100/s fail")
    }
}

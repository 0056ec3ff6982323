import Calibration
import Foundation
import Scenario
import SimCore
@testable import Topology
import XCTest

/// Rate limits as the products count them (issue 14): Kong's clock-aligned fixed windows,
/// sliding windows, local vs cluster counters, and the store going down.
final class RateLimitTests: XCTestCase {
    /// Kong's fixed window, 10 per minute, one replica. A closed-loop client sends once per
    /// second from 53 s to 70 s: 7 requests fall in the window [0, 60 s) and 11 in
    /// [60 s, 120 s), which admits 10. Accepted: 7 + 10 = 17 of 18; a token bucket of
    /// 10/min (one token, refilled every 6 s) admits about one in six instead.
    func testKongFixedWindowLetsALimitThroughOnEachSideOfABoundary() throws {
        func run(_ algorithm: String) throws -> TopologyMetrics {
            let s = try PolicyTests.scenario("""
                scenario: fixed-window
                duration: 100s
                services:
                  api: { replicas: 1, service_time: const(5ms) }
                traffic:
                  - name: client
                    from: external
                    to: api
                    clients: 1
                    profile: [ { at: 0s, rate: 0/s }, { at: 53s, rate: 1/s }, { at: 71s, rate: 0/s } ]
                topologies:
                  - { name: kong, kind: gateway, preset: kong, replicas: 1,
                      policies: { rate_limit: { per_consumer: 10/m\(algorithm) } } }
                """)
            return try PolicyTests.sim(s, "kong").metrics
        }
        let fixed = try run("")                      // Kong's own: fixed windows
        XCTAssertEqual(fixed.requests, 18)
        XCTAssertEqual(fixed.succeeded, 17)
        XCTAssertEqual(fixed.errorCount(.rateLimited), 1)
        // The token bucket: the first request takes the one token, then one every 6 s:
        // sends at 53..70 s pass at 53, 59, 65 (every 6 s): 3 of 18.
        let bucket = try run(", algorithm: token-bucket")
        XCTAssertEqual(bucket.succeeded, 3)
        // Sliding window over the same sends: at 60..70 s the previous window's 7 still weigh
        // 7 × (1 − (t − 60)/60), plus n admitted since 60 s; a send passes while that is < 10:
        // 60 s: 7.00 + 0, 61 s: 6.88 + 1, 62 s: 6.77 + 2, 63 s: 6.65 + 3 = 9.65 pass;
        // 64–68 s: 6.53..6.07 + 4 ≥ 10 fail; 69 s: 5.95 + 4 = 9.95 passes; 70 s: 5.83 + 5 fails.
        // 7 + 5 = 12.
        let sliding = try run(", algorithm: sliding-window")
        XCTAssertEqual(sliding.succeeded, 12)
    }

    /// 3 Kong replicas, 100/s per consumer (1 s fixed windows), one consumer at 300/s
    /// (Poisson) for 30 s. `local`: each replica counts its own third, ~100 per window, sd
    /// √(100/3) ≈ 5.8 (every third arrival of a Poisson stream); the excess over 100 is
    /// ~0.4 sd ≈ 2.3 per window, so ~97.7% pass. `cluster`: one counter sees all 300 and
    /// admits exactly 100 per window: 100 × 30 / ~9000 = 33.3% (± 0.4 points from the
    /// arrivals' count).
    func testLocalCountersMultiplyTheLimitAndAClusterCounterDoesNot() throws {
        func run(_ policy: String) throws -> TopologyMetrics {
            let s = try PolicyTests.scenario("""
                scenario: local-vs-cluster
                duration: 30s
                services:
                  api: { replicas: 3, workers: unlimited, queue: unlimited, service_time: const(2ms) }
                traffic:
                  - { name: consumer, from: external, to: api, rate: 300/s }
                topologies:
                  - { name: kong, kind: gateway, preset: kong, replicas: 3,
                      policies: { rate_limit: { per_consumer: 100/s, policy: \(policy) } } }
                """)
            return try PolicyTests.sim(s, "kong").metrics
        }
        let local = try run("local"), cluster = try run("cluster")
        XCTAssertGreaterThan(local.successRate, 0.96)
        XCTAssertLessThan(local.successRate, 0.99)
        XCTAssertEqual(cluster.successRate, 1.0 / 3, accuracy: 0.015)
        XCTAssertEqual(Double(cluster.succeeded), 3000, accuracy: 3, "exactly 100 per 1 s window")
    }

    /// The cluster store is down during [10 s, 20 s) of a 30 s run at 300/s against 100/s:
    /// failing open (Kong's fault_tolerant default) admits all 3000 of those 10 s, so
    /// (20 × 100 + 10 × 300) / 9000 = 55.6% pass; failing closed admits none of them:
    /// 2000 / 9000 = 22.2%.
    func testRateLimitStoreDownFailsOpenByDefault() throws {
        func run(_ failOpen: String) throws -> TopologyMetrics {
            let s = try PolicyTests.scenario("""
                scenario: store-down
                duration: 30s
                services:
                  api: { replicas: 3, workers: unlimited, queue: unlimited, service_time: const(2ms) }
                traffic:
                  - { name: consumer, from: external, to: api, rate: 300/s }
                topologies:
                  - { name: kong, kind: gateway, preset: kong, replicas: 3,
                      policies: { rate_limit: { per_consumer: 100/s, policy: cluster\(failOpen) } } }
                faults:
                  - { at: 10s, for: 10s, kind: rate-limit-store-down }
                """)
            return try PolicyTests.sim(s, "kong").metrics
        }
        XCTAssertEqual(try run("").successRate, 5.0 / 9, accuracy: 0.015)
        XCTAssertEqual(try run(", fail_open: false").successRate, 2.0 / 9, accuracy: 0.015)
    }

    func testABurstOnAWindowedLimitIsRejected() {
        XCTAssertThrowsError(try PolicyTests.scenario("""
            scenario: bad
            duration: 10s
            services: { api: { service_time: const(1ms) } }
            traffic: [ { name: t, from: external, to: api, rate: 1/s } ]
            topologies:
              - { name: kong, kind: gateway, preset: kong,
                  policies: { rate_limit: { per_consumer: 10/s, algorithm: fixed-window, burst: 5 } } }
            """)) { e in
            XCTAssertTrue("\(e)".contains("'burst' belongs to a token bucket"), "\(e)")
        }
    }
}

/// Fail-slow (issue 14): a host whose node is down does not refuse, it does not answer.
final class FailSlowTests: XCTestCase {
    /// One Envoy gateway (connect_timeout 5 s, no retries) in front of two pods on two
    /// nodes; node-1 goes down at 10 s. Round robin keeps sending every second request to the
    /// pod on node-1 (no outlier detection), and each of those fails when the connect timeout
    /// gives up: failed requests take 5 s plus the sub-millisecond path. A crashed process on
    /// a live node instead refuses at once.
    func testAConnectionToADownNodeFailsAfterTheConnectTimeout() throws {
        func run(_ fault: String) throws -> TopologyMetrics {
            let s = try PolicyTests.scenario("""
                scenario: fail-slow
                duration: 40s
                cluster: { nodes: 3 }
                services:
                  api: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(2ms) }
                traffic:
                  - { name: t, from: external, to: api, rate: 20/s }
                topologies:
                  - { name: envoy, kind: gateway, preset: envoy-gateway, replicas: 1 }
                faults:
                  - \(fault)
                """)
            return try PolicyTests.sim(s, "envoy").metrics
        }
        // api/0 is on node-0, api/1 on node-1; the gateway replica on node-2.
        let down = try run("{ at: 10s, kind: node-down, target: node-1 }")
        XCTAssertGreaterThan(down.errorCount(.refused), 200, "half of ~600 requests in [10 s, 40 s)")
        XCTAssertEqual(down.failedLatency.p50 / 1e6, 5000, accuracy: 6)
        XCTAssertGreaterThanOrEqual(down.failedLatency.percentile(1) / 1e6, 5000 * 0.999)
        // The gateway balances over its own upstream list: Kubernetes taking the crashed pod
        // out of its Service does not reach it (Endpoints.swift), so it keeps refusing.
        let crash = try run("{ at: 10s, kind: crash, target: api/1 }")
        XCTAssertGreaterThan(crash.errorCount(.refused), 200)
        XCTAssertLessThan(crash.failedLatency.p99 / 1e6, 5, "refused at once")
    }
}

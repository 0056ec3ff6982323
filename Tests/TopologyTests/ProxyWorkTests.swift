import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// A proxy pass holds a worker for its CPU time only; its latency runs on without one
/// (ProxyWork.swift, docs/model.md "Proxies"). Expected values derived by hand below.
final class ProxyWorkTests: XCTestCase {
    /// One gateway replica with one worker in front of one pod; Poisson arrivals at `rate`;
    /// every latency constant and the network instant, so only the gateway's worker queues.
    static func gateway(rate: String, gateway: String, duration: String = "200s") throws -> Scenario {
        try PolicyTests.scenario("""
            scenario: proxy-work
            seed: 7
            duration: \(duration)
            warmup: 0s
            cluster: { nodes: 1, network: { same_node: const(0s), external: const(0s) } }
            services:
              api: { replicas: 1, workers: unlimited, service_time: const(1ms) }
            traffic:
              - { name: users, from: external, to: api, rate: \(rate) }
            topologies:
              - { name: gw, kind: gateway, preset: envoy-gateway, replicas: 1, gateway: \(gateway) }
            """)
    }

    /// 1 ms of latency but 0.1 ms of worker time per pass (cpu_per_request 200 µs, all of it
    /// on the worker, split over the 2 passes). At 1000 requests/s the one worker is busy
    /// 1000 × 2 × 0.1 ms = 0.2 of the time. Before the split a pass held the worker for its
    /// whole 1 ms latency: 2.0 workers' worth of work for one worker, a collapse.
    /// Busy time is exactly passes × 0.1 ms, counting the passes started before the end;
    /// `traversals` counts a pass when its 1 ms latency is over, so the passes started in
    /// the run's last millisecond are busy time but not yet traversals: Poisson with mean
    /// 2,000 passes/s × 1 ms = 2, at most 9 with 99.99%. So the utilisation lies between
    /// traversals × 0.1 ms / 200 s and (traversals + 9) × 0.1 ms / 200 s.
    /// Latency: 2 × 1 ms + 1 ms of service + the waits. M/D/1 at ρ = 0.2 waits on average
    /// ρ·S / (2(1 − ρ)) = 0.2 × 0.1 ms / 1.6 = 12.5 µs per pass; the return passes are not
    /// Poisson, so we only bound the mean by 3 ms + 2 × 50 µs.
    func testAPassHoldsItsWorkerForItsCPUTimeNotItsLatency() throws {
        let s = try Self.gateway(rate: "1000/s",
                                 gateway: "{ workers: 1, latency: const(1ms), cpu_per_request: 200us, worker_share: 100% }")
        let m = try PolicyTests.sim(s, "gw").metrics
        XCTAssertEqual(m.succeeded, m.requests)
        let passes = Double(m.hops[HopKind.gateway.rawValue].traversals)
        XCTAssertEqual(passes / 200 / 2, 1000, accuracy: 1000 * 4 * 0.0022, "Poisson count, 4 sd of √(200,000)")
        let u = try XCTUnwrap(m.roles[HopKind.gateway.rawValue].utilization)
        XCTAssertGreaterThanOrEqual(u, passes * 0.0001 / 200 - 1e-12)
        XCTAssertLessThanOrEqual(u, (passes + 9) * 0.0001 / 200)
        XCTAssertEqual(u, 0.2, accuracy: 0.2 * 4 * 0.0022 + 1e-6)
        XCTAssertGreaterThanOrEqual(m.latency.mean, 3_000_000 - 1)
        XCTAssertLessThan(m.latency.mean, 3_100_000)
    }

    /// `worker_share` scales what holds the worker and nothing else: with common random
    /// numbers the arrivals and latencies are the same, so 50% halves the utilisation
    /// (exactly, up to a pass cut at the end) and leaves the CPU figure unchanged.
    func testWorkerShareHalvesTheWorkerTimeNotTheCPU() throws {
        let full = try PolicyTests.sim(try Self.gateway(rate: "1000/s",
            gateway: "{ workers: 1, latency: const(1ms), cpu_per_request: 200us, worker_share: 100% }"), "gw").metrics
        let half = try PolicyTests.sim(try Self.gateway(rate: "1000/s",
            gateway: "{ workers: 1, latency: const(1ms), cpu_per_request: 200us, worker_share: 50% }"), "gw").metrics
        let uf = try XCTUnwrap(full.roles[HopKind.gateway.rawValue].utilization)
        let uh = try XCTUnwrap(half.roles[HopKind.gateway.rawValue].utilization)
        XCTAssertEqual(uh, uf / 2, accuracy: 0.0001 / 200 * 2)
        XCTAssertEqual(half.proxyCPUSeconds, full.proxyCPUSeconds, accuracy: 1e-9)
    }

    /// The worker, not the latency, sets capacity: 2 passes × 0.5 ms of worker time per
    /// request gives one worker room for 1 / (2 × 0.5 ms) = 1000 requests/s. Offered 800/s
    /// (ρ = 0.8) everything succeeds; offered 1500/s (ρ = 1.5) the queue of 64 fills and
    /// the rest is refused as overflow. Then the worker never idles: exactly 60 s / 0.5 ms =
    /// 120,000 passes (less the one or two cut by the end), utilisation 1, and at most half
    /// as many successes (a request accepted on its way in can still be refused on its way
    /// back). The 0.1 ms latency alone would allow 5000/s.
    func testCapacityIsWorkersOverWorkerTime() throws {
        let g = "{ workers: 1, queue: 64, latency: const(100us), cpu_per_request: 1ms, worker_share: 100% }"
        let under = try PolicyTests.sim(try Self.gateway(rate: "800/s", gateway: g, duration: "60s"), "gw").metrics
        XCTAssertEqual(under.succeeded, under.requests)
        let over = try PolicyTests.sim(try Self.gateway(rate: "1500/s", gateway: g, duration: "60s"), "gw").metrics
        let passes = over.hops[HopKind.gateway.rawValue].traversals
        XCTAssertEqual(Double(passes), 120_000, accuracy: 2)
        XCTAssertEqual(try XCTUnwrap(over.roles[HopKind.gateway.rawValue].utilization), 1, accuracy: 1e-4)
        XCTAssertLessThanOrEqual(over.succeeded * 2, passes)
        XCTAssertGreaterThan(over.roles[HopKind.gateway.rawValue].overflows, 0)
    }

    /// A crash empties the station and voids the releases of the passes under way (their
    /// epoch is stale): after the replica is back, it serves with its one worker as before.
    /// 10 s down out of 60 s at 1000/s: the ~10,000 requests sent then fail (connect
    /// failures; Poisson, 4 sd ≈ 400), everything else succeeds, and utilisation stays at
    /// (60 − 10) s × 1000/s × 2 × 0.1 ms / 60 s ≈ 0.167 (no worker lost or doubled).
    func testACrashVoidsTheReleasesOfPassesUnderWay() throws {
        var yaml = """
            scenario: proxy-work-crash
            seed: 7
            duration: 60s
            warmup: 0s
            cluster: { nodes: 1, network: { same_node: const(0s), external: const(0s) } }
            services:
              api: { replicas: 1, workers: unlimited, service_time: const(1ms) }
            traffic:
              - { name: users, from: external, to: api, rate: 1000/s }
            topologies:
              - { name: gw, kind: gateway, preset: envoy-gateway, replicas: 1,
                  gateway: { workers: 1, latency: const(1ms), cpu_per_request: 200us, worker_share: 100% },
                  policies: { retries: { attempts: 0 } } }
            faults:
              - { at: 20s, for: 10s, kind: gateway-down, target: gateway/0 }
            """
        yaml += "\n"
        let m = try PolicyTests.sim(try PolicyTests.scenario(yaml), "gw").metrics
        XCTAssertEqual(Double(m.requests - m.succeeded), 10_000, accuracy: 400)
        let u = try XCTUnwrap(m.roles[HopKind.gateway.rawValue].utilization)
        XCTAssertEqual(u, 50.0 * 1000 * 2 * 0.0001 / 60, accuracy: 0.167 * 0.02)
    }
}

import Calibration
import Foundation
import Scenario
import SimCore
import XCTest
@testable import Report
@testable import Topology

/// The engine's queueing cases end to end through the topology model: an M/M/1
/// is a `none` topology with one service of one worker and a zero-latency network.
final class QueueingThroughScenarioTests: XCTestCase {
    func mm1(workers: Int, lambda: Double, service: Distribution, duration: Double = 2_000) -> Scenario {
        Fx.scenario(services: [Service(name: "q", replicas: 1, workers: workers, queue: unlimited, serviceTime: service)],
                    traffic: [TrafficSource(name: "t", from: .external, to: 0, rate: .constant(perSecond: lambda))],
                    topologies: [TopologySpec(name: "direct", kind: .none)], duration: duration, warmup: 200, nodes: 1)
    }

    /// K replications; |mean(sim/analytic) - 1| <= 3 sd / sqrt(K), and the band must be narrow.
    func check(_ s: Scenario, analytic: Double, power: Double, _ pick: (TopologyMetrics) -> Double,
               file: StaticString = #filePath, line: UInt = #line) throws {
        var w = Welford()
        for k in 1...8 { w.add(pick(try Fx.run(s, seed: UInt64(k)).metrics) / analytic) }
        let band = 3 * w.standardDeviation / 8.0.squareRoot()
        XCTAssertLessThanOrEqual(abs(w.mean - 1), band, "ratio \(w.mean), band \(band)", file: file, line: line)
        XCTAssertLessThan(band, power, file: file, line: line)
    }

    func testMM1() throws {
        let s = mm1(workers: 1, lambda: 80, service: .exponential(mean: 10 * Fx.ms), duration: 4_000)
        let w = 1e9 / (100.0 - 80.0)
        try check(s, analytic: w, power: 0.05) { $0.latency.mean }
        try check(s, analytic: w * log(100), power: 0.06) { $0.latency.p99 }
    }

    func testMM4() throws {
        let s = mm1(workers: 4, lambda: 320, service: .exponential(mean: 10 * Fx.ms))
        let erlangC = 0.5964 // c = 4, rho = 0.8
        let w = (erlangC / (400.0 - 320.0) + 0.01) * 1e9
        try check(s, analytic: w, power: 0.04) { $0.latency.mean }
    }

    func testMD1() throws {
        let s = mm1(workers: 1, lambda: 80, service: .constant(10 * Fx.ms))
        let w = (0.8 * 0.01 / (2 * 0.2) + 0.01) * 1e9
        try check(s, analytic: w, power: 0.04) { $0.latency.mean }
    }
}

final class CommonRandomNumbersTests: XCTestCase {
    func scenario() -> Scenario {
        let svc = [
            Service(name: "front", replicas: 2, workers: 8, serviceTime: .exponential(mean: 3 * Fx.ms),
                    calls: [.parallel([Call(service: 1), Call(service: 2, probability: 0.5)])]),
            Service(name: "a", replicas: 2, workers: 8, serviceTime: .lognormal(mean: 2 * Fx.ms, cv: 1)!),
            Service(name: "b", replicas: 1, workers: 8, serviceTime: .exponential(mean: 1 * Fx.ms)),
        ]
        // Traffic stops at 5 s and the run lasts 30 s: every request completes in every topology.
        let traffic = [TrafficSource(name: "t", from: .external, to: 0,
                                     rate: .profile([RatePoint(at: 0, perSecond: 100), RatePoint(at: Fx.seconds(5), perSecond: 0)]))]
        return Fx.scenario(services: svc, traffic: traffic, topologies: [
            TopologySpec(name: "none", kind: .none),
            TopologySpec(name: "gw", kind: .gateway, preset: "kong"),
            TopologySpec(name: "mesh", kind: .sidecar, preset: "istio-envoy"),
            TopologySpec(name: "ambient", kind: .sidecarless, preset: "istio-ambient", waypoint: .on(ProxyOverrides())),
        ], duration: 30, network: Network())
    }

    func testArrivalsAndServiceDemandsAreIdenticalAcrossTopologies() throws {
        let s = scenario()
        let sims = try (0..<4).map { try Fx.run(s, $0) }
        XCTAssertEqual(sims[0].firstArrivals.count, 64)
        for sim in sims.dropFirst() {
            XCTAssertEqual(sim.firstArrivals, sims[0].firstArrivals, "\(sim.model.name) arrivals")
            XCTAssertEqual(sim.metrics.requests, sims[0].metrics.requests)
            // The same requests made the same calls and needed the same work.
            let app = sim.metrics.hops[HopKind.app.rawValue], app0 = sims[0].metrics.hops[HopKind.app.rawValue]
            XCTAssertEqual(app.traversals, app0.traversals, "\(sim.model.name) app visits")
            XCTAssertEqual(app.latency.mean, app0.latency.mean, accuracy: 1e-6, "\(sim.model.name) app work")
        }
        // And the topologies still differ in what they add.
        XCTAssertLessThan(sims[0].metrics.latency.mean, sims[2].metrics.latency.mean)
    }

    func testJobsDoNotChangeResults() throws {
        var s = scenario()
        s.replications = 3
        let a = try Runner.run(s, options: Runner.Options(jobs: 1))
        let b = try Runner.run(s, options: Runner.Options(jobs: 4))
        XCTAssertEqual(Reports.summaryCSV(a), Reports.summaryCSV(b))
        XCTAssertEqual(Reports.timeseriesCSV(a), Reports.timeseriesCSV(b))
        XCTAssertEqual(Reports.hopsCSV(a), Reports.hopsCSV(b))
        XCTAssertEqual(a.topologies.map { $0.runs.map(\.fingerprint) }, b.topologies.map { $0.runs.map(\.fingerprint) })
        let c = try Runner.run(s, options: Runner.Options(seed: 99, jobs: 2))
        XCTAssertNotEqual(a.topologies[0].runs[0].fingerprint, c.topologies[0].runs[0].fingerprint)
    }
}

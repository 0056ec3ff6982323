import Calibration
import Foundation
@testable import Report
import Scenario
import SimCore
import Topology
import XCTest

/// services.csv, proxies.csv, summary's new columns and service expectations.
final class ServiceReportTests: XCTestCase {
    static func run(_ yaml: String) throws -> Runner.Result {
        let s = try ScenarioLoader.parse(text: yaml, fileName: "report-test.yaml")
        return try Runner.run(s, options: Runner.Options(jobs: 1))
    }

    static func rows(_ csv: String) -> [[String]] {
        csv.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// A chain front → mid → back where back always answers 503, in a sidecar mesh whose
    /// proxies retry 503 twice (Istio's default 2 retries, breakers at 2^32−1 so no slot
    /// limit). Every call is 3 tries at every hop, and a failed try of mid is a 503 that
    /// mid's caller retries: per root request front gets 3 tries (the ingress retries),
    /// mid 3 calls × 3 tries = 9, back 9 calls × 3 tries = 27. services.csv shows it
    /// directly: attempts = 3 × calls on each hop, calls(next) = attempts(previous).
    func testRetryAmplificationAcrossHopsIsExactInServicesCSV() throws {
        let r = try Self.run("""
            scenario: amplification
            duration: 20s
            services:
              front: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(1ms), calls: [mid] }
              mid: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(1ms), calls: [back] }
              back: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(1ms), errors: 100% }
            traffic:
              - { name: users, from: external, to: front, rate: 20/s }
            topologies:
              - name: mesh
                kind: sidecar
                preset: istio-1.24
                policies: { retries: { attempts: 2, on: [unavailable], backoff: none } }
            """)
        let m = r.topologies[0].runs[0]
        let roots = m.requests
        XCTAssertGreaterThan(roots, 300)
        // Requests still in flight at the end (`incomplete`) have not made all their tries. A
        // request is one chain, one try active at a time, so each leaves at most one call
        // unfinished per service, short of at most its 3 tries; and a try of front (or mid)
        // that reached the app has made its one call down unless it is that unfinished one.
        let front = m.services[0], mid = m.services[1], back = m.services[2]
        let open = m.incomplete
        XCTAssertEqual(front.calls, m.started)
        func tries(_ s: TopologyMetrics.ServiceStats, _ what: String) {
            XCTAssertLessThanOrEqual(s.attempts, 3 * s.calls, what)
            XCTAssertGreaterThanOrEqual(s.attempts, 3 * (s.calls - open), what)
        }
        tries(front, "front")
        tries(mid, "mid")
        tries(back, "back")
        XCTAssertLessThanOrEqual(mid.calls, front.attempts)
        XCTAssertGreaterThanOrEqual(mid.calls, front.attempts - open)
        XCTAssertLessThanOrEqual(back.calls, mid.attempts)
        XCTAssertGreaterThanOrEqual(back.calls, mid.attempts - open)
        // The same figures in the file, per line.
        let csv = Self.rows(Reports.servicesCSV(r))
        XCTAssertEqual(csv[0], ["topology", "service", "calls", "attempts", "succeeded", "success_rate",
                                "errors_timeout", "errors_unavailable", "errors_refused", "errors_tls",
                                "errors_rate_limited", "errors_overflow", "p50_ms", "p99_ms", "utilization",
                                "critical_path_ms", "critical_path_share", "cross_zone_rps"])
        let backRow = try XCTUnwrap(csv.first { $0.count > 1 && $0[1] == "back" })
        XCTAssertEqual(Int(backRow[2]), back.calls)
        XCTAssertEqual(Int(backRow[3]), back.attempts)
        XCTAssertEqual(backRow[12], "", "no successful call: no latency, an empty cell")
        XCTAssertEqual(backRow[13], "")
    }

    /// summary.csv keeps every earlier column in place and appends the new ones; a run
    /// with no failure leaves failed_p50_ms/failed_p99_ms empty, not 0.
    func testSummaryAppendsOverflowIncompleteAndFailedLatency() throws {
        let r = try Self.run("""
            scenario: summary
            duration: 10s
            services: { a: { service_time: const(1ms) } }
            traffic: [ { name: t, to: a, rate: 10/s } ]
            topologies: [ { name: d, kind: none } ]
            """)
        let csv = Self.rows(Reports.summaryCSV(r))
        XCTAssertEqual(Array(csv[0].suffix(6)),
                       ["errors_overflow", "incomplete", "failed_p50_ms", "failed_p99_ms", "proxy_cost_per_month",
                        "cross_zone_cost_per_month"])
        XCTAssertEqual(csv[0][csv[0].count - 7], "proxy_cpu_cores", "the earlier columns come first, unchanged")
        XCTAssertEqual(Array(csv[1].suffix(4)), ["", "", "0.00", "0.00"],
                       "no failure: empty; no proxy: costs nothing; one zone: nothing crosses")
        XCTAssertEqual(csv[1][csv[1].count - 6], "0")
    }

    /// `TOPOLOGY:SERVICE.METRIC` expectations read services.csv's figures.
    func testServiceExpectations() throws {
        let r = try Self.run("""
            scenario: service-expect
            duration: 20s
            services:
              front: { replicas: 2, service_time: const(1ms), calls: [back] }
              back: { replicas: 2, service_time: const(1ms), errors: 100% }
            traffic:
              - { name: users, from: external, to: front, rate: 20/s }
            topologies:
              - name: mesh
                kind: sidecar
                preset: istio-1.24
                policies: { retries: { attempts: 2, on: [unavailable], backoff: none } }
              - { name: direct, kind: none }
            expect:
              - "mesh:back.attempts > 1000"
              - "mesh:back.attempts > direct:back.attempts"
              - "mesh:back.success_rate == 0%"
              - "mesh:front.calls == mesh.requests"
              - "direct:back.p99 < 1s"
            """)
        let outcomes = ExpectationCheck.evaluate(r)
        XCTAssertEqual(outcomes.map(\.passed), [true, true, true, false, false])
        // The last: no call to back ever succeeded, so there is no latency to compare.
        XCTAssertTrue(outcomes[4].lhs.mean.isNaN)
    }

    func testServiceExpectationErrorsArePositioned() {
        let yaml = """
            scenario: bad
            duration: 10s
            services: { a: { service_time: const(1ms) } }
            traffic: [ { name: t, to: a, rate: 10/s } ]
            topologies: [ { name: d, kind: none } ]
            expect:
              - "d:b.attempts > 1"
              - "d.attempts > 1"
            """
        XCTAssertThrowsError(try ScenarioLoader.parse(text: yaml, fileName: "bad.yaml")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("bad.yaml:7:8: error: unknown service 'b'"), text)
            XCTAssertTrue(text.contains("bad.yaml:8:8: error: unknown metric 'attempts' ('attempts' is per service"), text)
        }
    }

    /// proxies.csv's per-proxy CPU and memory at a published load: Istio 1.24's sidecar
    /// costs 0.20 vCPU per 1000 rps (istio.io 1.24). A client pod calling one echo pod at
    /// 1000/s puts 1000 requests/s through each of the two sidecars (both directions), so
    /// each uses 1000 × 0.2 ms = 0.20 cores: mean and max 0.20, within the Poisson count's
    /// 4 sd over 60 s (4 × √60,000 / 60,000 = 1.6%). Memory: the preset's 60 MB per sidecar.
    func testProxiesCSVShowsPerProxyCPUAndMemoryAtThePublishedLoad() throws {
        let r = try Self.run("""
            scenario: per-proxy-cpu
            duration: 60s
            warmup: 0s
            cluster: { nodes: 2 }
            services:
              echo: { replicas: 1, workers: unlimited, service_time: const(100us) }
            traffic:
              - { name: fortio, from: internal, to: echo, rate: 1000/s }
            topologies:
              - { name: istio, kind: sidecar, preset: istio-1.24 }
            """)
        let rows = Self.rows(Reports.proxiesCSV(r))
        let header = rows[0]
        let sidecar = try XCTUnwrap(rows.first { $0.count > 1 && $0[1] == "sidecar" })
        func col(_ name: String) throws -> Double {
            try XCTUnwrap(Double(sidecar[try XCTUnwrap(header.firstIndex(of: name), name)]), name)
        }
        XCTAssertEqual(try col("instances"), 2)
        XCTAssertEqual(try col("cpu_cores_mean"), 0.20, accuracy: 0.20 * 0.016)
        XCTAssertEqual(try col("cpu_cores_max"), 0.20, accuracy: 0.20 * 0.016)
        XCTAssertEqual(try col("memory_mb"), 60)
        // Busiest sidecar: 1000/s × 2 passes × 75 µs of worker time (0.20 ms × 75% / 2) over
        // 2 workers = 0.075; both sidecars carry the same, so the mean is the same.
        XCTAssertEqual(try col("utilization_max"), 0.075, accuracy: 0.075 * 0.016)
        XCTAssertEqual(try col("utilization"), 0.075, accuracy: 0.075 * 0.016)
    }
}

private func XCTAssertEqual(_ a: Int, _ b: Int, accuracy: Int, _ message: String = "",
                            file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(abs(a - b) <= accuracy, "\(a) is not \(b) ± \(accuracy) \(message)", file: file, line: line)
}

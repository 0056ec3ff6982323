import Foundation
@testable import Report
import Scenario
import SimCore
import TestSupport
import Topology
import XCTest

/// Issue 16: reports tell the whole truth (empty cells for no data, incomplete requests,
/// critical path, cost, fault targets, traces and access logs).
final class WholeTruthTests: XCTestCase {
    /// Rows of a CSV as dictionaries keyed by the header.
    func rows(_ csv: String) -> [[String: String]] {
        let lines = csv.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let head = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(head, $0)) }
    }

    // MARK: empty cells

    /// The app fails every request: no success anywhere, so no latency anywhere.
    func testNothingSucceedsWritesEmptyLatencyCells() throws {
        let yaml = Support.twoTopologies(expect: [], serviceTime: "const(10ms)", duration: "10s")
            .replacingOccurrences(of: "service_time: const(10ms) }", with: "service_time: const(10ms), errors: 100% }")
            + "faults:\n  - { at: 2s, for: 3s, kind: crash, target: app/0 }\n"
        let r = try Support.run(yaml)
        let files = Dictionary(uniqueKeysWithValues: Reports.files(r).map { ($0.name, $0.contents) })
        let ts = rows(files["timeseries.csv"]!)
        XCTAssertEqual(ts.count, 20) // 10 windows x 2 topologies
        for row in ts {
            XCTAssertEqual(row["success_rate"], "0.000000")
            XCTAssertEqual(row["p50_ms"], "", "a window with no success has no p50: \(row)")
            XCTAssertEqual(row["p99_ms"], "")
        }
        for row in rows(files["faults.csv"]!) {
            XCTAssertEqual(row["p99_during_ms"], "", "\(row)")
            XCTAssertEqual(row["target"], "app/0")
        }
        for row in rows(files["summary.csv"]!) {
            for c in ["mean_ms", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"] { XCTAssertEqual(row[c], "", c) }
            XCTAssertNotEqual(row["failed_p99_ms"], "", "failures have a latency")
        }
        for row in rows(files["hops.csv"]!) { XCTAssertEqual(row["critical_path_ms"], "", "\(row)") }
        // An expectation on a latency that has no sample fails (it used to pass on a 0);
        // its "no data" wording comes with issue 17.
        let checked = ExpectationCheck.evaluate(try Support.run(yaml + "expect:\n  - \"*.p99 < 100ms\"\n"))
        XCTAssertEqual(checked.count, 2)
        XCTAssertTrue(checked.allSatisfy { !$0.passed }, checked.map(\.measuredText).description)
    }

    // MARK: incomplete

    /// Arrivals twice capacity into an unbounded queue: one worker at const(10ms) serves
    /// 100/s while 200/s arrive. The 2 s warm-up leaves a backlog of about (200 - 100) x 2
    /// = 200 requests (±20, Poisson), served first (2 s); so of the ~2000 measured arrivals
    /// about (10 - 2) x 100 = 800 finish and ~1200 are still queued at the end.
    func testOverloadedRunCountsAndFlagsIncomplete() throws {
        let yaml = """
        scenario: overload
        duration: 10s
        warmup: 2s
        \(Support.network)services:
          s: { replicas: 1, workers: 1, queue: unlimited, service_time: const(10ms) }
        traffic:
          - { name: u, from: external, to: s, rate: 200/s }
        topologies:
          - { name: direct, kind: none }
        """
        let r = try Support.run(yaml)
        let m = r.topologies[0].runs[0]
        XCTAssertEqual(Double(m.requests), 800, accuracy: 60, "one worker finishes 100/s after the backlog")
        XCTAssertEqual(Double(m.incomplete), 1200, accuracy: 120)
        XCTAssertEqual(m.successRate, 1, "every finished request succeeded: why incomplete must be shown")
        let summary = rows(Reports.summaryCSV(r))[0]
        XCTAssertEqual(summary["incomplete"], "\(m.incomplete)")
        XCTAssertTrue(Reports.summaryTable(r).contains("\(m.incomplete)!"), Reports.summaryTable(r))
        XCTAssertEqual(Reports.warnings(r).count, 1)
        // A run at half capacity has a handful in flight at the end: no flag.
        let calm = try Support.run(yaml.replacingOccurrences(of: "rate: 200/s", with: "rate: 50/s"))
        XCTAssertTrue(Reports.warnings(calm).isEmpty)
        XCTAssertLessThanOrEqual(calm.topologies[0].runs[0].incomplete, 5)
    }

    // MARK: critical path

    /// front (const 5ms) calls a (const 10ms) and b (const 30ms) in parallel, zero network:
    /// every request takes 5 + max(10, 30) = 35 ms; on its critical path front's own work is
    /// 5 ms, b's 30 ms, a's 0 (a finishes first). Summed app time would be 45 ms.
    func testCriticalPathCountsOnlyTheSlowestParallelBranch() throws {
        let yaml = """
        scenario: parallel
        duration: 10s
        warmup: 1s
        \(Support.network)services:
          front: { replicas: 1, workers: unlimited, queue: unlimited, service_time: const(5ms), calls: [[a, b]] }
          a: { replicas: 1, workers: unlimited, queue: unlimited, service_time: const(10ms) }
          b: { replicas: 1, workers: unlimited, queue: unlimited, service_time: const(30ms) }
        traffic:
          - { name: u, from: external, to: front, rate: 50/s }
        topologies:
          - { name: direct, kind: none }
          - { name: mesh, kind: sidecar, preset: istio-envoy, proxy: { latency: const(1ms), workers: unlimited, queue: unlimited } }
        """
        let r = try Support.run(yaml)
        let direct = r.topologies[0]
        let hops = Reports.hopRows(direct)
        let app = try XCTUnwrap(hops.first { $0.hop == .app })
        XCTAssertEqual(app.criticalMs, 35, accuracy: 1e-6)
        XCTAssertEqual(hops.map(\.criticalShare).filter(\.isFinite).reduce(0, +), 1, accuracy: 0.001)
        let svc = rows(Reports.servicesCSV(r)).filter { $0["topology"] == "direct" }
        let share = Dictionary(uniqueKeysWithValues: svc.map { ($0["service"]!, Double($0["critical_path_share"]!)!) })
        XCTAssertEqual(share["front"]!, 5.0 / 35, accuracy: 0.0001)
        XCTAssertEqual(share["b"]!, 30.0 / 35, accuracy: 0.0001)
        XCTAssertEqual(share["a"]!, 0, accuracy: 0.0001)
        // The mesh adds sidecars; shares still add up to 100% and the total is the mean latency.
        let mesh = Reports.hopRows(r.topologies[1])
        XCTAssertEqual(mesh.map(\.criticalShare).filter(\.isFinite).reduce(0, +), 1, accuracy: 0.001)
        let total = mesh.map(\.criticalMs).filter(\.isFinite).reduce(0, +)
        // HDR histograms keep two significant digits (1% of the value).
        XCTAssertEqual(total, r.topologies[1].runs[0].latency.mean / 1e6, accuracy: total * 0.01)
        // Per-request sums: the front path is 2 sidecar traversals in, 2 out on each call level.
        XCTAssertGreaterThan(total, 35)
        let csv = Reports.hopsCSV(r)
        XCTAssertTrue(csv.hasPrefix("topology,hop,traversals_per_request,mean_ms,p99_ms,share_of_latency,critical_path_ms,critical_path_share\r\n"))
    }

    // MARK: cost

    /// One zone crossing per second for a month carries 2 KiB each (the default
    /// bytes_per_call) billed at $0.01/GB leaving and $0.01/GB entering a zone:
    /// 2048 / 2^30 GB × 2 × $0.01 × 730 h × 3600 s = $0.100250 (to 6 digits).
    func testCrossZonePricePerCrossing() {
        XCTAssertEqual(CostPrices().crossZonePerMonth(crossingsPerSecond: 1), 0.100250, accuracy: 5e-7)
        XCTAssertEqual(CostPrices(crossZoneGB: 0).crossZonePerMonth(crossingsPerSecond: 1000), 0)
    }

    /// summary.csv's cross_zone_cost_per_month is services.csv's cross_zone_rps, summed over
    /// the topology's services, at the scenario's prices (here $1/GB and 1 GiB a call, so
    /// a crossing per second costs 2 × 730 × 3600 = $5,256,000 a month).
    func testCrossZoneCostFollowsTheCrossings() throws {
        let yaml = """
        scenario: zones
        duration: 20s
        warmup: 2s
        cluster: { nodes: 3, zones: [a, b, c] }
        services:
          front: { replicas: 3, workers: unlimited, service_time: const(1ms), calls: [back] }
          back: { replicas: 3, workers: unlimited, service_time: const(1ms) }
        traffic:
          - { name: users, from: internal, to: front, rate: 20/s }
        topologies:
          - { name: direct, kind: none }
          - { name: mesh, kind: sidecar, preset: istio-envoy }
        cost: { cross_zone_gb: 1, bytes_per_call: 1073741824 }
        """
        let r = try Support.run(yaml)
        // The table on stdout shows it too, with zones (and only with zones).
        XCTAssertTrue(Reports.summaryTable(r).contains("zones $/mo"), Reports.summaryTable(r))
        XCTAssertFalse(Reports.summaryTable(try Support.run(Support.twoTopologies(expect: [], duration: "3s")))
                        .contains("zones $/mo"))
        let summary = rows(Reports.summaryCSV(r))
        let services = rows(Reports.servicesCSV(r))
        for row in summary {
            let rps = services.filter { $0["topology"] == row["topology"] }
                .reduce(0.0) { $0 + Double($1["cross_zone_rps"]!)! }
            XCTAssertGreaterThan(rps, 1, "3 zones: about two thirds of 40 calls/s cross")
            // services.csv rounds to 3 decimals: the cost is exact up to that rounding.
            XCTAssertEqual(Double(row["cross_zone_cost_per_month"]!)!, rps * 2 * 730 * 3600,
                           accuracy: 0.0005 * 2 * 2 * 730 * 3600)
        }
    }

    func testProxyCostAtTheScenarioPrices() throws {
        var yaml = Support.twoTopologies(expect: [], duration: "5s")
        let r0 = try Support.run(yaml)
        yaml += "cost: { vcpu_hour: 1, gb_hour: 0 }\n"
        let r = try Support.run(yaml)
        let s = rows(Reports.summaryCSV(r))
        XCTAssertEqual(Reports.summaryHeader(replications: 1).suffix(2), ["proxy_cost_per_month", "cross_zone_cost_per_month"])
        for row in s {
            let cores = Double(row["proxy_cpu_cores"]!)!
            // vCPUs only at $1 an hour, 730 hours a month (rounding of the 4-decimal cores column).
            XCTAssertEqual(Double(row["proxy_cost_per_month"]!)!, cores * 730, accuracy: 0.0001 * 730)
        }
        XCTAssertEqual(rows(Reports.summaryCSV(r))[0]["proxy_cost_per_month"], "0.00", "direct has no proxies")
        // Defaults: m5.large/c5.large derived prices, memory counted.
        let mesh = r0.topologies[1]
        let expected = (summarize(.proxyCPUCores, mesh, scenario: r0.scenario).mean * 0.037
                        + mesh.runs[0].proxyMemoryMB / 1024 * 0.00275) * 730
        XCTAssertEqual(Reports.proxyCostPerMonth(mesh, scenario: r0.scenario), expected, accuracy: 1e-9)
        XCTAssertGreaterThan(expected, 0)
    }

    // MARK: fault targets

    func testEveryFaultKindNamesItsTarget() {
        for kind in FaultKind.allCases {
            let f = Fault(at: 0, kind: kind)
            XCTAssertFalse(f.displayTarget.isEmpty, "\(kind)")
        }
        XCTAssertEqual(Fault(at: 0, kind: .gatewayDown, target: .gateway).displayTarget, "gateway (all replicas)")
        XCTAssertEqual(Fault(at: 0, kind: .gatewayDown, target: .gateway, replicas: 1).displayTarget, "gateway (1 replica)")
    }

    func testGatewayDownTargetInFaultsCSV() throws {
        // The shared case, as copied into the repository (a clean clone has no ../shared).
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../TopologyTests/Cases/reports-gateway-down-retries.yaml").standardized.path
        var s = try ScenarioLoader.load(path: path)
        s.duration = Nanos.seconds(30)
        let r = try Runner.run(s, options: Runner.Options(jobs: 2))
        for row in rows(Reports.faultsCSV(r)) { XCTAssertEqual(row["target"], "gateway (all replicas)") }
        XCTAssertEqual(s.faults[0].label, "gateway-down gateway (all replicas)")
    }

    // MARK: traces and access logs

    static let flagsBase = """
        scenario: flags
        duration: 3s
        warmup: 1s
        \(Support.network)services:
          s: { replicas: 1, workers: unlimited, queue: unlimited, service_time: const(50ms) }
        traffic:
          - { name: u, from: internal, to: s, rate: 100/s }
        topologies:
          - { name: mesh, kind: sidecar, preset: istio-envoy, proxy: { latency: const(1ms), workers: unlimited, queue: unlimited } }

        """

    func traced(_ yaml: String, sample: Int = 0, accessLog: Bool = true) throws -> Runner.Result {
        var o = Runner.Options(jobs: 2)
        o.traceSample = sample
        o.accessLog = accessLog
        return try Runner.run(Support.parse(yaml), options: o)
    }

    /// A 20 ms route timeout against a 50 ms service: every call ends 504 UT after 21 ms (the
    /// timeout starts when the enforcer, the caller's sidecar, sends upstream: after its
    /// own 1 ms traversal). A breaker that
    /// admits one request and queues none turns the others away at once: 503 UO.
    func testAccessLogFlags() throws {
        let t = try traced(Self.flagsBase + "policies: { timeout: 20ms, retries: { attempts: 0 } }\n")
        let lines = Reports.accessLog(t).split(whereSeparator: \.isNewline)
        XCTAssertEqual(lines.count, t.topologies[0].runs[0].requests, "one line per measured call")
        XCTAssertGreaterThan(lines.count, 250)
        for l in lines { XCTAssertTrue(l.contains("\" 504 UT 0 0 21 - \"-\""), String(l)) }
        XCTAssertTrue(lines[0].hasPrefix("[1970-01-01T00:00:01."), String(lines[0]))
        let o = try traced(Self.flagsBase
            + "policies: { circuit_breakers: { max_connections: 1, max_pending_requests: 0 }, retries: { attempts: 0 } }\n")
        let ol = Reports.accessLog(o).split(whereSeparator: \.isNewline)
        let overflowed = ol.filter { $0.contains("\" 503 UO ") }.count
        XCTAssertEqual(overflowed, o.topologies[0].runs[0].errorCount(.overflow))
        // One in flight at a time, 50 ms each: ~20 of the ~100 a second get through.
        XCTAssertGreaterThan(overflowed, ol.count / 2)
        XCTAssertTrue(ol.contains { $0.contains("\" 200 - 0 0 5") }, "the admitted ones succeed")
        // The app fails every request (its own 503: no flag of Envoy's) and each call is
        // retried twice: every line is the retry limit reached, URX.
        let x = try traced(Self.flagsBase.replacingOccurrences(of: "const(50ms) }", with: "const(50ms), errors: 100% }")
            + "policies: { retries: { attempts: 2, on: [unavailable], backoff: none } }\n")
        let xl = Reports.accessLog(x).split(whereSeparator: \.isNewline)
        XCTAssertGreaterThan(xl.count, 50)
        for l in xl { XCTAssertTrue(l.contains("\" 503 URX 0 0 "), String(l)) }
    }

    /// A hop kind's p99 counts its zero-time traversals (a zero-latency wire) as the mean
    /// does: all zero gives 0, not an empty cell. Mixed, 90 zeros and 10 timed values of
    /// 1..10 ms: the p99 is the ⌈99⌉-th of 100, the 9th timed value, 9 ms (2 significant
    /// digits: its bucket's highest value, within 1%); 99 or more zeros of 100 give 0.
    func testHopP99CountsZeroTimeTraversals() {
        var lat = LatencyStats(digits: .two)
        XCTAssertEqual(Reports.hopP99(traversals: 50, timed: 0, latency: lat), 0)
        XCTAssertTrue(Reports.hopP99(traversals: 0, timed: 0, latency: lat).isNaN)
        for ms in 1...10 { lat.record(SimTime(ms) * 1_000_000) }
        XCTAssertEqual(Reports.hopP99(traversals: 100, timed: 10, latency: lat), 9, accuracy: 0.09)
        XCTAssertEqual(Reports.hopP99(traversals: 10, timed: 10, latency: lat), 10, accuracy: 0.1)
        var one = LatencyStats(digits: .two)
        one.record(5_000_000)
        XCTAssertEqual(Reports.hopP99(traversals: 100, timed: 1, latency: one), 0, "99 zeros of 100: the p99 is 0")
        XCTAssertEqual(Reports.hopP99(traversals: 50, timed: 1, latency: one), 5, accuracy: 0.05)
    }

    /// Every sampled request is one trace: one call span (the root) and one span per hop
    /// traversal. An internal call in a sidecar mesh crosses the caller's sidecar, a wire,
    /// the callee's sidecar, the app, and back: sidecar 4, wire 2, app 1 (hops.csv agrees,
    /// up to the requests still in flight at the end). Tracing draws no random number:
    /// the results are the same with it and without.
    func testTracesHaveOneSpanPerHopAndChangeNothing() throws {
        let yaml = Self.flagsBase.replacingOccurrences(of: "const(0s)", with: "const(100us)")
        let plain = try Support.run(yaml)
        let t = try traced(yaml, sample: 5, accessLog: false)
        XCTAssertEqual(Reports.summaryCSV(plain), Reports.summaryCSV(t))
        XCTAssertEqual(plain.topologies[0].runs[0].fingerprint.description, t.topologies[0].runs[0].fingerprint.description)
        XCTAssertFalse(Reports.files(plain).contains { $0.name == "traces.json" })
        let spans = t.topologies[0].runs[0].trace.spans
        XCTAssertEqual(Set(spans.map(\.trace)), Set(0..<5))
        let hops = Reports.hopRows(t.topologies[0])
        // hops.csv counts traversals made in the measured period over requests started in
        // it: requests from the warm-up still on their way at 1 s add theirs, requests
        // started in the last ~52 ms (the way to the app and through it: 1 + 0.1 + 1 + 50 ms)
        // have not made all theirs. Each side is about Poisson(100/s × 0.052 s = 5.2), their
        // difference Skellam with sd √10.4 = 3.2: 99.99% within 3.89 × 3.2 = 13 requests,
        // so within n × 13 traversals of n per started request.
        let started = t.topologies[0].runs.reduce(0) { $0 + $1.started }
        for trace in 0..<5 {
            let mine = spans.filter { $0.trace == trace }
            XCTAssertEqual(mine.filter { $0.hop == nil && $0.parent == 0 }.count, 1)
            for (hop, n) in [(HopKind.sidecar, 4), (.wire, 2), (.app, 1)] {
                XCTAssertEqual(mine.filter { $0.hop == hop }.count, n, "\(hop)")
                XCTAssertEqual(hops.first { $0.hop == hop }!.perRequest, Double(n), accuracy: Double(n) * 13 / Double(started))
            }
            XCTAssertEqual(mine.count, 8)
        }
        let json = Reports.tracesJSON(t)
        XCTAssertTrue(json.hasPrefix("{\"resourceSpans\":[{\"resource\":{\"attributes\":["), String(json.prefix(80)))
        XCTAssertEqual(json, Reports.tracesJSON(try traced(yaml, sample: 5, accessLog: false)), "byte-identical")
    }
}

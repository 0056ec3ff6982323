import Calibration
import Foundation
import Report
import Scenario
import SimCore
import Topology
import XCTest

/// One published added-latency figure a preset rests on, and the scenario that
/// reproduces its measurement (scenarios/validation/, docs/validation.md).
struct PublishedFigure: Sendable {
    /// File under scenarios/validation/.
    var file: String
    /// The topology in that file that carries the preset unchanged.
    var topology: String
    var preset: String
    var kind: TopologyKind
    /// The proxy role whose latency the figure calibrates, and its passes per round trip.
    var hop: HopKind
    var traversals: Int
    /// Added latency, ms, as published.
    var p90: Double
    var p99: Double
    var source: String
}

/// Every published added-latency figure a preset uses (docs/calibration.md), with its source.
let publishedFigures: [PublishedFigure] = [
    PublishedFigure(
        file: "istio-1.20-sidecar.yaml", topology: "istio", preset: "istio-1.20", kind: .sidecar,
        hop: .sidecar, traversals: 4, p90: 0.228, p99: 0.298,
        source: "istio.io performance-and-scalability, release 1.20 "
            + "(https://istio.io/v1.20/docs/ops/deployment/performance-and-scalability/): two sidecars, "
            + "1000 rps, 1 KB, 2-64 connections"),
    // istio-1.24 (aliases istio, istio-envoy) carries the 1.20 figure forward.
    PublishedFigure(
        file: "istio-1.20-sidecar.yaml", topology: "istio124", preset: "istio-1.24", kind: .sidecar,
        hop: .sidecar, traversals: 4, p90: 0.228, p99: 0.298,
        source: "the Istio 1.20 figure, carried forward by the istio-1.24 preset (docs/calibration.md)"),
    PublishedFigure(
        file: "istio-1.12-sidecar.yaml", topology: "istio", preset: "istio-1.12", kind: .sidecar,
        hop: .sidecar, traversals: 4, p90: 1.7, p99: 2.7,
        source: "istio.io performance-and-scalability, release 1.12 "
            + "(https://istio.io/v1.12/docs/ops/deployment/performance-and-scalability/; Red Hat OpenShift "
            + "Service Mesh docs): two sidecars, 1000 rps, 1 KB, 16 connections, 2 worker threads, mTLS"),
    PublishedFigure(
        file: "istio-ambient-ztunnel.yaml", topology: "ambient", preset: "istio-ambient", kind: .sidecarless,
        hop: .nodeProxy, traversals: 4, p90: 0.17, p99: 0.20,
        source: "istio.io performance-and-scalability page of release 1.23, measured on Istio 1.22 "
            + "(https://istio.io/v1.23/docs/ops/deployment/performance-and-scalability/): two ztunnels (L4), "
            + "1000 rps, 1-64 connections"),
]

/// For each published figure: load its scenario, check that it reproduces the
/// measurement's setup and uses the preset's own latency, run it, and compare the
/// simulated added p90 and p99 (topology minus the `none` baseline) with the figure.
final class ValidationTests: XCTestCase {
    /// |simulated / published - 1| allowed (docs/validation.md: why 10%).
    static let tolerance = 0.10
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scenarios/validation")

    /// Each scenario runs once however many figures it serves.
    nonisolated(unsafe) static var results: [String: (Scenario, Runner.Result)] = [:]
    static let lock = NSLock()

    func run(_ file: String) throws -> (Scenario, Runner.Result) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        if let r = Self.results[file] { return r }
        let s = try ScenarioLoader.load(path: Self.directory.appendingPathComponent(file).path)
        let r = try Runner.run(s, options: Runner.Options(jobs: 2))
        Self.results[file] = (s, r)
        return (s, r)
    }

    func topology(_ r: Runner.Result, _ name: String) throws -> Runner.TopologyResult {
        try XCTUnwrap(r.topologies.first { $0.spec.name == name }, "no topology '\(name)'")
    }

    func testEveryValidationScenarioServesAFigureAndEveryFigureHasOne() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(Set(files), Set(publishedFigures.map(\.file)),
                       "scenarios/validation/*.yaml and publishedFigures must match one to one (by file)")
        // Every preset latency that cites a published figure is validated here.
        let cited = PresetRegistry.all.filter { p in
            p.citations.contains { $0.field == "proxy.latency" && !$0.isAssumption }
        }.map(\.name)
        // Presets fitted to a head-to-head benchmark (Linkerd's) are validated on that
        // benchmark's other loads and on other benchmarks, under head-to-head/ (their
        // `expect` lines run in `topsim check scenarios/`; docs/validation.md).
        let headToHead = Self.directory.appendingPathComponent("head-to-head")
        let h2h = (try? FileManager.default.contentsOfDirectory(atPath: headToHead.path)) ?? []
        let h2hText = try h2h.filter { $0.hasSuffix(".yaml") }
            .map { try String(contentsOf: headToHead.appendingPathComponent($0), encoding: .utf8) }.joined()
        for name in cited {
            XCTAssertTrue(publishedFigures.contains { $0.preset == name } || h2hText.contains("preset: \(name)"),
                          "preset \(name) cites a published latency figure but has no validation scenario")
        }
    }

    /// The scenario mirrors the benchmark: one paced client at 1000 rps calls one echo once,
    /// no network time, a constant echo, a `none` baseline, and the preset unchanged.
    func testScenariosReproduceTheMeasurementSetup() throws {
        for f in publishedFigures {
            let s = try ScenarioLoader.load(path: Self.directory.appendingPathComponent(f.file).path)
            let ctx = "\(f.file) / \(f.topology)"
            XCTAssertEqual(s.traffic.count, 1, ctx)
            let src = try XCTUnwrap(s.traffic.first)
            XCTAssertEqual(src.from, .internal, "\(ctx): the client is a meshed pod")
            XCTAssertEqual(src.rate, .constant(perSecond: 1000), "\(ctx): the published figures are at 1000 rps")
            XCTAssertNotNil(src.clients, "\(ctx): fortio-style closed-loop connections")
            let echo = s.services[src.to]
            XCTAssertTrue(echo.calls.isEmpty, "\(ctx): one call, no fan-out")
            guard case .constant(let serviceTime) = echo.serviceTime else {
                return XCTFail("\(ctx): the echo's service time must be constant (the baseline's pNN is then exact)")
            }
            XCTAssertLessThanOrEqual(serviceTime, 1e6, "\(ctx): a fast echo")
            let n = s.cluster.network
            for d in [n.sameNode, n.sameZone, n.crossZone, n.external] {
                XCTAssertEqual(d, .constant(0), "\(ctx): zero network latency")
            }
            XCTAssertTrue(s.topologies.contains { $0.name == "baseline" && $0.kind == .none }, "\(ctx): a `none` baseline")

            let spec = try XCTUnwrap(s.topologies.first { $0.name == f.topology }, ctx)
            XCTAssertEqual(spec.kind, f.kind, ctx)
            XCTAssertEqual(spec.preset, f.preset, ctx)
            XCTAssertNil(spec.proxy, "\(ctx): the preset's own proxy values must be validated, not an override")
            XCTAssertEqual(spec.waypoint.isOn, false, "\(ctx): no waypoint in the published L4 figure")
            let preset = try XCTUnwrap(PresetRegistry.preset(named: f.preset))
            let profile = try XCTUnwrap(preset.proxy)
            let model = try CompiledTopology(scenario: s, topology: spec)
            let onPath = model.proxies.filter { $0.hop == f.hop }
            XCTAssertFalse(onPath.isEmpty, ctx)
            for p in onPath {
                XCTAssertEqual(p.profile.latency, profile.latency, "\(ctx): proxy latency differs from preset \(f.preset)'s")
                XCTAssertEqual(p.profile.workers, profile.workers, "\(ctx): proxy workers differ from preset \(f.preset)'s")
            }
            // Client and echo on different nodes: two sidecars, or two ztunnels.
            let echoNode = model.instances[model.serviceFirstInstance[src.to]].node
            XCTAssertNotEqual(model.clientNode[0], echoNode, "\(ctx): client and server on different nodes")
            if f.kind == .sidecarless {
                XCTAssertNotEqual(model.nodeProxy[model.clientNode[0]], model.nodeProxy[echoNode], "\(ctx): two ztunnels")
            } else {
                XCTAssertGreaterThanOrEqual(model.clientSidecar[0], 0, "\(ctx): the client pod has a sidecar")
            }
        }
    }

    func testSimulatedAddedLatencyMatchesThePublishedFigures() throws {
        for f in publishedFigures {
            let (s, r) = try run(f.file)
            let base = try topology(r, "baseline"), t = try topology(r, f.topology)
            func value(_ m: Metric, _ x: Runner.TopologyResult) -> Double { summarize(m, x, scenario: s).mean }
            let serviceTime: Double
            if case .constant(let v) = s.services[s.traffic[0].to].serviceTime { serviceTime = v / 1e6 } else { serviceTime = .nan }
            // The baseline is exactly the echo's time (to the histogram's 0.1%).
            XCTAssertEqual(value(.p90, base), serviceTime, accuracy: serviceTime * 1e-3, f.file)
            XCTAssertEqual(value(.p99, base), serviceTime, accuracy: serviceTime * 1e-3, f.file)
            XCTAssertEqual(value(.successRate, t), 1, f.file)
            // Passes in the measured period over requests started in it: the requests in flight
            // at its edges keep the ratio a hair under the true count (3.9999 for 4).
            XCTAssertEqual(value(.hops, t), Double(f.traversals), accuracy: 0.01, "\(f.file): proxy passes per round trip")
            let added90 = value(.p90, t) - value(.p90, base)
            let added99 = value(.p99, t) - value(.p99, base)
            let line = String(format: "validation: %@ %@ (%@): added p90 %.4f ms (published %.3f, %+.1f%%), "
                              + "added p99 %.4f ms (published %.3f, %+.1f%%)",
                              f.file, f.topology, f.preset, added90, f.p90, 100 * (added90 / f.p90 - 1),
                              added99, f.p99, 100 * (added99 / f.p99 - 1))
            print(line)
            let latency = PresetRegistry.preset(named: f.preset)?.proxy?.latency
            let why = "\(line)\n  preset \(f.preset) latency \(latency.map { "\($0)" } ?? "-") no longer reproduces "
                + "the published figure (\(f.source)); refit it (docs/calibration.md) or explain the change in docs/validation.md"
            XCTAssertLessThanOrEqual(abs(added90 / f.p90 - 1), Self.tolerance, why)
            XCTAssertLessThanOrEqual(abs(added99 / f.p99 - 1), Self.tolerance, why)
        }
    }

    /// How much of the added latency is waiting for a proxy worker (the `unqueued`
    /// topology is the same preset with unlimited workers, on the same draws).
    func testQueueingAtTheProxiesIsSmallAtTheBenchmarkRate() throws {
        for f in publishedFigures where f.topology != "istio124" {
            let (s, r) = try run(f.file)
            let t = try topology(r, f.topology), u = try topology(r, "unqueued")
            XCTAssertEqual(u.spec.proxy?.workers, unlimited, f.file)
            XCTAssertEqual(u.spec.preset, f.preset, f.file)
            let w90 = summarize(.p90, t, scenario: s).mean - summarize(.p90, u, scenario: s).mean
            let w99 = summarize(.p99, t, scenario: s).mean - summarize(.p99, u, scenario: s).mean
            print(String(format: "validation: %@ waiting at the proxies: p90 %+.4f ms, p99 %+.4f ms", f.file, w90, w99))
            // Paced connections at 1000 rps keep at most a few requests in flight: waiting is
            // a small part of the figure (Poisson arrivals would add more; docs/validation.md).
            XCTAssertLessThan(abs(w90), 0.02 * f.p90, f.file)
            XCTAssertLessThan(abs(w99), 0.02 * f.p99, f.file)
        }
    }

    /// The scenario files' own `expect` lines (baseline + figure +/- 10%) hold on this run,
    /// so `topsim check` agrees with this test.
    func testExpectLinesHold() throws {
        for file in Set(publishedFigures.map(\.file)).sorted() {
            let (s, r) = try run(file)
            XCTAssertFalse(s.expectations.isEmpty, file)
            func value(_ ref: MetricRef) throws -> Double {
                guard case .named(let name) = ref.topology else { throw XCTSkip("'*' not used in validation scenarios") }
                return summarize(ref.metric, try topology(r, name), scenario: s).mean
            }
            for e in s.expectations {
                XCTAssertNil(e.window, "\(file): \(e.text)")
                let lhs = try value(e.lhs)
                let rhs: Double
                switch e.rhs {
                case .value(let q): rhs = q.reportValue
                case .metric(let m): rhs = try value(m)
                }
                XCTAssertTrue(e.op.holds(lhs, rhs), "\(file): \(e.text) (lhs \(lhs), rhs \(rhs))")
            }
        }
    }
}

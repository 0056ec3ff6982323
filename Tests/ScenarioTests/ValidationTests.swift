import Calibration
import Foundation
import SimCore
import XCTest
@testable import Scenario

final class ValidationTests: XCTestCase {
    func testEveryErrorInOnePass() {
        let ds = diagnostics("""
        scenario: t
        duration: 1m
        warmup: 2m
        services:
          a: { replica: 2, service_time: exp(1ms), calls: [b, zz] }
          b: { workers: 0, service_time: exp(1ms), calls: [a] }
        traffic:
          - { to: a, rate: 0/s }
        topologies:
          - { name: mesh, kind: sidecar, preset: kong }
        expect:
          - mesh.p99 < 5
        """)
        let messages = ds.map(\.description)
        XCTAssertEqual(ds.count, 8, messages.joined(separator: "\n"))
        XCTAssertEqual(ds.map(\.line), ds.map(\.line).sorted(), "in file order")
        XCTAssertEqual(messages[0], "t.yaml:3:9: error: 'warmup' (2m) must be shorter than 'duration' (1m)")
        XCTAssertEqual(messages[1], "t.yaml:5:8: error: unknown key 'replica' in service 'a' (did you mean 'replicas'?)")
        XCTAssertTrue(messages.contains { $0.contains("unknown service 'zz'") })
        XCTAssertTrue(messages.contains { $0.contains("'workers' must be at least 1") })
        XCTAssertTrue(messages.contains { $0.contains("the call graph has a cycle: a -> b -> a") })
        XCTAssertTrue(messages.contains { $0.contains("'rate' must be above 0") })
        XCTAssertTrue(messages.contains { $0.contains("preset 'kong' is a gateway preset") })
        XCTAssertTrue(messages.contains { $0.contains("'5' needs a unit") })
    }

    func testEmptyAndNonMappingDocuments() {
        XCTAssertEqual(diagnostics("").first?.description.contains("t.yaml:1:1: error: the file is empty"), true)
        XCTAssertEqual(diagnostics("   \n\n").first?.message.contains("empty"), true)
        XCTAssertEqual(diagnostics("# only\n").first?.message.contains("only comments"), true)
        XCTAssertEqual(diagnostics("[1, 2]").first?.message.contains("must be a mapping"), true)
        XCTAssertEqual(diagnostics("42").first?.message.contains("must be a mapping"), true)
        XCTAssertEqual(diagnostics("a: [").first?.message.hasPrefix("YAML syntax error"), true)
    }

    func testDuplicateKeysAreReportedWhereTheSecondOneIs() {
        let ds = diagnostics(minimalScenario.replacingOccurrences(of: "duration: 1m\n", with: "duration: 1m\nduration: 2m\n"))
        XCTAssertEqual(ds.count, 1)
        XCTAssertEqual(ds[0].line, 3)
        XCTAssertEqual(ds[0].message, "duplicate key 'duration' (first at 2:1)")
    }

    func testLongerCycleIsPrintedInCallOrder() {
        let ds = diagnostics("""
        scenario: t
        duration: 1m
        services:
          a: { service_time: exp(1ms), calls: [b] }
          b: { service_time: exp(1ms), calls: [[c, a2]] }
          c: { service_time: exp(1ms), calls: [{ service: a, probability: 1% }] }
          a2: { service_time: exp(1ms) }
        traffic: [{ to: a, rate: 1/s }]
        topologies: [{ name: d, kind: none }]
        """)
        XCTAssertEqual(ds.map(\.message), ["the call graph has a cycle: a -> b -> c -> a"])
        XCTAssertEqual(ds.first.map { [$0.line, $0.column] }, [6, 40])
    }

    func testUnquotedStarGetsAHint() {
        let ds = diagnostics(minimalScenario + "expect:\n  - *.p99 < 1s\n")
        XCTAssertEqual(ds.count, 1)
        XCTAssertTrue(ds[0].message.contains("must be quoted"), ds[0].message)
        XCTAssertEqual([ds[0].line, ds[0].column], [12, 5])
    }

    func testDefaultsAndNormalisation() throws {
        let s = try XCTUnwrap(parseValid(minimalScenario))
        XCTAssertEqual(s.seed, 1)
        XCTAssertEqual(s.warmup, 0)
        XCTAssertEqual(s.replications, 1)
        XCTAssertEqual(s.window, Nanos.perSecond)
        XCTAssertEqual(s.cluster, Cluster())
        XCTAssertEqual(s.cluster.zones, ["a"])
        XCTAssertEqual(s.services[1].replicas, 1)
        XCTAssertEqual(s.services[1].workers, Service.defaultWorkers)
        XCTAssertEqual(s.services[1].queue, 1024)
        XCTAssertEqual(s.traffic[0].consumers, 1)
        XCTAssertNil(s.traffic[0].clients)
        XCTAssertEqual(s.policies, Policies())
        XCTAssertEqual(s.controlPlane, ControlPlane())
        // A kind without a preset gets the registry's default for that kind.
        XCTAssertEqual(s.topologies[1].preset, "istio-envoy")
        XCTAssertEqual(s.topologies[1].internal, .direct)
    }

    func testCombinedAcceptsTopLevelMeshKeys() throws {
        let s = try XCTUnwrap(parseValid(minimalScenario + "  - { name: c, kind: combined, preset: linkerd, mtls: permissive, proxy: { workers: 4 } }\n"))
        let c = s.topologies[2]
        XCTAssertEqual(c.mesh, MeshPart(preset: "linkerd", mtls: .permissive, proxy: ProxyOverrides(workers: 4)))
        XCTAssertEqual(c.gateway?.preset, ScenarioParser.defaultPreset(for: .gateway))
        let ds = diagnostics(minimalScenario + "  - { name: c, kind: combined, preset: linkerd, mesh: { preset: istio-envoy } }\n")
        XCTAssertEqual(ds.map(\.message), ["'preset' is set both at the top level and under 'mesh'; keep one"])
        let gw = diagnostics(minimalScenario + "  - { name: c, kind: combined, gateway: { preset: linkerd } }\n")
        XCTAssertTrue(gw[0].message.contains("is a sidecar-mesh preset; the gateway of a 'combined' topology needs a gateway preset"), gw[0].message)
    }

    func testPresetNamesGoThroughTheRegistry() {
        for name in PresetRegistry.names {
            guard let p = PresetRegistry.preset(named: name) else { return XCTFail(name) }
            let kind: String
            switch p.kind {
            case .gateway: kind = "gateway"
            case .sidecarMesh: kind = "sidecar"
            case .sidecarless: kind = "sidecarless"
            }
            XCTAssertNotNil(parseValid(minimalScenario + "  - { name: p, kind: \(kind), preset: \(name) }\n"), name)
        }
        let ds = diagnostics(minimalScenario + "  - { name: p, kind: sidecar, preset: linkerdd }\n")
        XCTAssertEqual(ds.first?.suggestion, "linkerd")
    }

    func testFaultTargetsResolve() throws {
        let text = """
        scenario: t
        duration: 1m
        cluster: { nodes: 4, zones: [east, west] }
        services:
          api: { replicas: 3, service_time: exp(1ms) }
        traffic: [{ to: api, rate: 1/s }]
        topologies: [{ name: g, kind: gateway, replicas: 3 }]
        faults:
          - { at: 1s, kind: crash, target: api }
          - { at: 1s, kind: crash, target: api/2 }
          - { at: 1s, kind: node-down, target: node-3 }
          - { at: 1s, kind: latency, target: west, add: 1ms }
          - { at: 1s, kind: gateway-down, target: gateway/2 }
          - { at: 1s, kind: gateway-down, replicas: 1 }
          - { at: 1s, kind: control-plane-down }
          - { at: 1s, kind: partition, between: [west, east] }
          - { at: 1s, kind: config-drift, policies: { timeout: 1s } }
        """
        let s = try XCTUnwrap(parseValid(text))
        XCTAssertEqual(s.faults.map(\.target), [.service(0), .instance(service: 0, index: 2), .node(3), .zone(1),
                                                .gatewayReplica(2), .gateway, .controlPlane, .none, .none])
        XCTAssertEqual(s.faults[5].replicas, 1)
        XCTAssertEqual(s.faults[7].between, [1, 0])
        XCTAssertEqual(s.faults[0].end(runDuration: s.duration), s.duration)
    }

    func testExpectationForms() throws {
        let s = try XCTUnwrap(parseValid(minimalScenario + """
        expect:
          - "*.success_rate >= 99%"
          - mesh.p99 in [10s, 20s] < 60ms
          - mesh.p99 < 60ms in [10s, 20s]
          - direct.throughput > 5/s
          - direct.error_rate <= 0.01
          - mesh.proxies != 0
          - "mesh.p50 >= direct.p50"
          - direct.errors.rate_limited == 0

        """))
        let e = s.expectations
        XCTAssertEqual(e[0].lhs.topology, .all)
        XCTAssertEqual(e[1].window, e[2].window)
        XCTAssertEqual(e[1].rhs, e[2].rhs)
        XCTAssertEqual(e[3].rhs, .value(.rate(5)))
        XCTAssertEqual(e[4].rhs, .value(.fraction(0.01)))
        XCTAssertEqual(e[5].op, .ne)
        XCTAssertEqual(e[6].rhs, .metric(MetricRef(topology: .named("direct"), metric: .p50)))
        XCTAssertEqual(e[7].lhs.metric, .errors(.rateLimited))
        XCTAssertTrue(CompareOp.ge.holds(0.995, 0.99))
        XCTAssertFalse(CompareOp.lt.holds(2, 1))

        let bad = diagnostics(minimalScenario + "expect:\n  - mesh.success_rate >= 20ms\n")
        XCTAssertEqual(bad.first?.message, "success_rate is a fraction (e.g. 99.9% or 0.999), not '20ms' (a duration)")
        XCTAssertEqual(bad.first.map { [$0.line, $0.column] }, [12, 26])
        let count = diagnostics(minimalScenario + "expect:\n  - mesh.errors.tls < 1%\n")
        XCTAssertTrue(count[0].message.contains("compare error_rate or success_rate"), count[0].message)
        let win = diagnostics(minimalScenario + "expect:\n  - \"mesh.p99 in [20s, 10s] < 1s\"\n")
        XCTAssertTrue(win[0].message.contains("is empty"), win[0].message)
        let two = diagnostics(minimalScenario + "expect:\n  - mesh.p99 < 1s extra\n")
        XCTAssertTrue(two[0].message.contains("unexpected text"), two[0].message)
    }

    func testKeysThatDoNotFitTheKindAreErrors() {
        let ds = diagnostics(minimalScenario + "  - { name: x, kind: none, preset: kong, mtls: strict }\n")
        XCTAssertEqual(ds.map(\.message), ["'preset' does not apply to a 'none' topology", "'mtls' does not apply to a 'none' topology"])
        let f = diagnostics(minimalScenario + "faults:\n  - { at: 1s, kind: crash, target: a, rate: 5% }\n")
        XCTAssertEqual(f.map(\.message), ["'rate' does not apply to a 'crash' fault"])
    }

    func testAliasesAreExpandedButBounded() throws {
        let s = try XCTUnwrap(parseValid("""
        scenario: t
        duration: 1m
        services:
          a: &svc { service_time: exp(1ms) }
          b: *svc
        traffic: [{ to: a, rate: 1/s }]
        topologies: [{ name: d, kind: none }]
        """))
        XCTAssertEqual(s.services[1].serviceTime, .exponential(mean: 1e6))
        var bomb = "a: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let ds = diagnostics(bomb)
        XCTAssertTrue(ds[0].message.contains("expands to more than"), ds[0].message)
        let deep = diagnostics(String(repeating: "[", count: 5000))
        XCTAssertFalse(deep.isEmpty)
    }

    func testParenthesesKeepTheirColonsAndCommas() throws {
        // The spec writes distributions unquoted; strict YAML would read `mean:` as a key.
        XCTAssertEqual(YAMLComposer.protectParentheses("a: f(x: 1, y: 2) # c(d: e)\nb: 'g(h: i)'").unicodeScalars.count,
                       "a: f(x: 1, y: 2) # c(d: e)\nb: 'g(h: i)'".unicodeScalars.count)
        let s = try XCTUnwrap(parseValid(minimalScenario.replacingOccurrences(
            of: "description", with: "x").replacingOccurrences(of: "scenario: t", with: "scenario: t\ndescription: plain (words: here, too)")))
        XCTAssertEqual(s.description, "plain (words: here, too)")
    }

    func testLoadReportsUnreadableFiles() {
        XCTAssertThrowsError(try ScenarioLoader.load(path: "/nonexistent/x.yaml")) { e in
            let d = (e as? ScenarioErrors)?.diagnostics.first
            XCTAssertEqual(d?.description, "/nonexistent/x.yaml:1:1: error: cannot read the file: No such file or directory")
        }
    }
}

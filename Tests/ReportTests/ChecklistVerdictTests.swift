import Calibration
import Report
import Scenario
import SimCore
import Topology
import XCTest

final class ChecklistVerdictTests: XCTestCase {
    /// A small valid scenario; `extra` goes at the top level, `topologies` replaces the list.
    func scenario(topologies: String, extra: String = "", api: String = "{ replicas: 2, workers: 16, service_time: exp(2ms) }",
                  rate: String = "100/s") throws -> Scenario {
        try ScenarioLoader.parse(text: """
        scenario: t
        duration: 30s
        cluster: { nodes: 3, zones: [a] }
        services:
          front: { replicas: 2, workers: 32, service_time: exp(1ms), calls: [api] }
          api: \(api)
        traffic:
          - { name: users, from: external, to: front, rate: \(rate), consumers: 10 }
        \(extra)
        topologies:
        \(topologies)
        """)
    }

    func entry(_ s: Scenario, _ topology: String, _ item: Checklist.Item) throws -> Checklist.Entry {
        try XCTUnwrap(Checklist.evaluate(s).checks(for: topology)).entry(item)
    }

    // MARK: Checklist

    func testControlPlaneWithOneReplicaFailsAndWithTwoPasses() throws {
        let mesh = "  - { name: mesh, kind: sidecar, preset: istio-envoy, mtls: strict }"
        let one = try entry(scenario(topologies: mesh, extra: "control_plane: { replicas: 1 }"), "mesh", .controlPlaneHA)
        XCTAssertEqual(one.status, .fail)
        XCTAssertTrue(one.reason.contains("1 replica"), one.reason)
        let unset = try entry(scenario(topologies: mesh), "mesh", .controlPlaneHA)
        XCTAssertEqual(unset.status, .fail, "an unstated control plane is one replica")
        let two = try entry(scenario(topologies: mesh, extra: "control_plane: { replicas: 2 }"), "mesh", .controlPlaneHA)
        XCTAssertEqual(two.status, .pass, two.reason)
        let none = try entry(scenario(topologies: "  - { name: direct, kind: none }"), "direct", .controlPlaneHA)
        XCTAssertEqual(none.status, .notApplicable)
    }

    func testPermissiveMTLSFailsTheStrictItem() throws {
        let s = try scenario(topologies: """
          - { name: strict, kind: sidecar, preset: istio-envoy, mtls: strict }
          - { name: permissive, kind: sidecar, preset: istio-envoy, mtls: permissive }
          - { name: unstated, kind: sidecarless, preset: istio-ambient }
          - { name: direct, kind: none }
        """)
        let list = try Checklist.evaluate(s)
        XCTAssertEqual(list.checks(for: "strict")?.entry(.strictMTLS).status, .pass)
        XCTAssertEqual(list.checks(for: "permissive")?.entry(.strictMTLS).status, .fail)
        XCTAssertEqual(list.checks(for: "unstated")?.entry(.strictMTLS).status, .fail, "the default is permissive")
        XCTAssertEqual(list.checks(for: "direct")?.entry(.strictMTLS).status, .warn, "nothing enforces mTLS without a mesh")
        XCTAssertTrue(list.hasFailures)
    }

    func testMissingRateLimitsFailForAGatewayAndDoNotApplyToNone() throws {
        let tops = """
          - { name: gw, kind: gateway, preset: kong, replicas: 2 }
          - name: edge
            kind: combined
            gateway: { preset: kong, replicas: 2 }
            mesh: { preset: istio-envoy, mtls: strict }
          - { name: direct, kind: none }
        """
        let without = try Checklist.evaluate(scenario(topologies: tops))
        XCTAssertEqual(without.checks(for: "gw")?.entry(.rateLimits).status, .fail)
        XCTAssertEqual(without.checks(for: "edge")?.entry(.rateLimits).status, .fail)
        XCTAssertEqual(without.checks(for: "direct")?.entry(.rateLimits).status, .notApplicable)
        let with = try Checklist.evaluate(scenario(topologies: tops, extra: "policies: { rate_limit: { per_consumer: 20/s } }"))
        let gw = try XCTUnwrap(with.checks(for: "gw")?.entry(.rateLimits))
        XCTAssertEqual(gw.status, .pass)
        XCTAssertTrue(gw.reason.contains("40/s behind 2 replicas"), "per-replica counting is stated: \(gw.reason)")
    }

    func testGatewayWithOneReplicaFailsHA() throws {
        let s = try scenario(topologies: """
          - { name: one, kind: gateway, preset: kong, replicas: 1 }
          - { name: two, kind: gateway, preset: kong, replicas: 2 }
        """)
        let list = try Checklist.evaluate(s)
        XCTAssertEqual(list.checks(for: "one")?.entry(.gatewayHA).status, .fail)
        XCTAssertEqual(list.checks(for: "two")?.entry(.gatewayHA).status, .pass)
    }

    func testOverloadedServiceFailsTheLoadTestWithItsUtilisation() throws {
        // api: 1 replica x 2 workers / 10 ms = 200/s of capacity; 300/s offered is 150%.
        let tops = "  - { name: direct, kind: none }"
        let over = try entry(scenario(topologies: tops, api: "{ replicas: 1, workers: 2, service_time: const(10ms) }",
                                      rate: "300/s"), "direct", .loadTest)
        XCTAssertEqual(over.status, .fail)
        XCTAssertTrue(over.reason.contains("service api at 150%"), over.reason)
        let hot = try entry(scenario(topologies: tops, api: "{ replicas: 1, workers: 2, service_time: const(10ms) }",
                                     rate: "180/s"), "direct", .loadTest)
        XCTAssertEqual(hot.status, .warn, hot.reason)
        XCTAssertTrue(hot.reason.contains("90%"), hot.reason)
        let fine = try entry(scenario(topologies: tops, api: "{ replicas: 1, workers: 2, service_time: const(10ms) }",
                                      rate: "100/s"), "direct", .loadTest)
        XCTAssertEqual(fine.status, .pass, fine.reason)
    }

    func testCallerHoldsItsWorkersWhileWaiting() throws {
        // front: 1 worker, 1 ms of its own work, then waits 9 ms for api: 10 ms per request,
        // so 90/s keeps it 90% busy even though its own work is only 9%.
        let s = try ScenarioLoader.parse(text: """
        scenario: t
        duration: 10s
        cluster: { nodes: 1, network: { same_node: const(0s) } }
        services:
          front: { workers: 1, service_time: const(1ms), calls: [api] }
          api: { workers: 100, service_time: const(9ms) }
        traffic: [{ name: u, to: front, rate: 90/s }]
        topologies: [{ name: direct, kind: none }]
        """)
        let e = try entry(s, "direct", .loadTest)
        XCTAssertEqual(e.status, .warn, e.reason)
        XCTAssertTrue(e.reason.contains("service front at 90%"), e.reason)
    }

    func testSidecarLimitsFromDocumentedPresetOrScenarioPassAndUnboundedFails() throws {
        let s = try scenario(topologies: """
          - { name: istio, kind: sidecar, preset: istio-envoy }
          - { name: linkerd, kind: sidecar, preset: linkerd }
          - { name: stated, kind: sidecar, preset: linkerd, proxy: { workers: 2, memory_mb: 30 } }
          - { name: builtin, kind: sidecar, preset: consul-builtin }
          - { name: gw, kind: gateway }
        """)
        let list = try Checklist.evaluate(s)
        XCTAssertEqual(list.checks(for: "istio")?.entry(.proxyLimits).status, .pass)
        XCTAssertEqual(list.checks(for: "linkerd")?.entry(.proxyLimits).status, .warn, "linkerd's worker count is assumed")
        XCTAssertEqual(list.checks(for: "stated")?.entry(.proxyLimits).status, .pass)
        XCTAssertEqual(list.checks(for: "builtin")?.entry(.proxyLimits).status, .fail)
        XCTAssertEqual(list.checks(for: "gw")?.entry(.proxyLimits).status, .notApplicable)
    }

    func testUnstatedObservabilityWarnsAndVersionControlNeverPasses() throws {
        let s = try scenario(topologies: """
          - { name: on, kind: sidecar, access_logs: true, tracing: true }
          - { name: off, kind: sidecar, access_logs: false }
          - { name: unstated, kind: gateway }
        """)
        let list = try Checklist.evaluate(s)
        XCTAssertEqual(list.checks(for: "on")?.entry(.accessLogs).status, .pass)
        XCTAssertEqual(list.checks(for: "on")?.entry(.tracing).status, .pass)
        XCTAssertEqual(list.checks(for: "off")?.entry(.accessLogs).status, .fail)
        XCTAssertEqual(list.checks(for: "unstated")?.entry(.accessLogs).status, .warn)
        for t in list.topologies {
            XCTAssertEqual(t.entry(.versionControl).status, .warn)
            XCTAssertEqual(t.entry(.rollbackPlan).status, .warn)
        }
        XCTAssertTrue(list.table().contains("FAIL  access logs: access_logs: false"))
    }

    // MARK: Verdict

    func testMarginsAreRelativeForCostsAndInPointsForSuccess() {
        let lat = Verdict.rank(.latencyP99, [("a", 10), ("b", 8), ("c", 12)])
        XCTAssertEqual(lat.winner, "b")
        XCTAssertEqual(lat.runnerUp, "a")
        XCTAssertEqual(lat.margin ?? -1, 0.2, accuracy: 1e-12)
        XCTAssertEqual(Verdict.marginText(lat), "20% lower than a")
        let ok = Verdict.rank(.availability, [("a", 0.99), ("b", 0.9975)])
        XCTAssertEqual(ok.winner, "b")
        XCTAssertEqual(ok.margin ?? -1, 0.0075, accuracy: 1e-12)
        XCTAssertEqual(Verdict.marginText(ok), "0.75 points higher than a")
        let tie = Verdict.rank(.components, [("x", 2), ("y", 2)])
        XCTAssertEqual(tie.winner, "x", "ties go to the topology listed first")
        XCTAssertEqual(Verdict.marginText(tie), "tie with y")
        let zero = Verdict.rank(.blastRadius, [("mesh", 0), ("direct", 150)])
        XCTAssertEqual(zero.margin ?? -1, 1, accuracy: 1e-12)
        XCTAssertEqual(Verdict.marginText(zero), "none, against 150 failed for direct")
    }

    /// A topology in which no request succeeded has no latency (NaN): it is not ranked on
    /// latency (NaN compares false both ways, so it would win or come second by accident) and
    /// the note names it. Before, a NaN runner-up made the margin NaN and `Int(NaN)` trapped
    /// while the verdict was written (the extreme corpus' names-formula.yaml).
    func testATopologyWithoutLatencyIsNotRanked() {
        let one = Verdict.rank(.latencyP50, [("none", .nan), ("mesh", 4.8)])
        XCTAssertEqual(one.winner, "mesh")
        XCTAssertNil(one.runnerUp)
        XCTAssertEqual(one.note, "no data for none")
        XCTAssertEqual(Verdict.marginText(one), "no runner-up")
        XCTAssertEqual(one.values.count, 2, "every topology's value is kept")
        let two = Verdict.rank(.latencyP99, [("a", 12), ("b", .nan), ("c", 9)])
        XCTAssertEqual(two.winner, "c")
        XCTAssertEqual(two.runnerUp, "a")
        XCTAssertEqual(Verdict.marginText(two), "25% lower than a") // (12 − 9) / 12
        XCTAssertEqual(two.note, "no data for b")
    }

    /// `none` has no proxy in the path, so it wins latency; a crashed instance is retried
    /// and ejected by the mesh but keeps its share of `none`'s traffic, so the mesh wins
    /// availability, the faults' blast radius, and loses on cost and components.
    func testVerdictOnACrash() throws {
        let s = try ScenarioLoader.parse(text: """
        scenario: crash
        duration: 30s
        warmup: 2s
        cluster: { nodes: 3, zones: [a] }
        services:
          front: { replicas: 2, workers: 32, service_time: exp(1ms), calls: [api] }
          api: { replicas: 3, workers: 32, service_time: exp(2ms) }
        traffic: [{ name: users, from: internal, to: front, rate: 100/s }]
        topologies:
          - { name: direct, kind: none }
          - name: mesh
            kind: sidecar
            preset: istio-envoy
            mtls: strict
            policies:
              retries: { attempts: 2, on: [connect-failure, reset, unavailable] }
              outlier_detection: { consecutive_errors: 3, interval: 1s, ejection: 30s }
        faults:
          - { at: 10s, for: 10s, kind: crash, target: api/0 }
        """)
        // The policies are the mesh's: without it no client library retries (a scenario-wide
        // policy would reach the libraries too, the root's included).
        let result = try Runner.run(s, options: Runner.Options(jobs: 2))
        let v = Verdict.evaluate(result: result)
        XCTAssertEqual(v.row(.latencyP50)?.winner, "direct")
        // direct is fastest only among the requests it did not lose: the verdict says so.
        XCTAssertTrue(v.row(.latencyP50)?.note?.hasPrefix("but only") ?? false, "\(String(describing: v.row(.latencyP50)?.note))")
        XCTAssertNil(v.row(.availability)?.note)
        XCTAssertEqual(v.row(.availability)?.winner, "mesh")
        XCTAssertEqual(v.row(.availabilityDuringFaults)?.winner, "mesh")
        XCTAssertEqual(v.row(.blastRadius)?.winner, "mesh")
        XCTAssertEqual(v.row(.proxyMemory)?.winner, "direct")
        XCTAssertEqual(v.row(.components)?.winner, "direct")
        // The margin is the runner-up's value against the winner's, as printed.
        let p50 = try XCTUnwrap(v.row(.latencyP50))
        let mesh = try XCTUnwrap(p50.runnerUpValue)
        XCTAssertEqual(p50.margin ?? -1, (mesh - p50.value) / mesh, accuracy: 1e-12)
        let direct = try XCTUnwrap(result.topologies.first { $0.spec.name == "direct" })
        XCTAssertEqual(p50.value, summarize(.p50, direct, scenario: result.scenario).mean)
        // mesh: 2 + 3 sidecars, 1 client pod sidecar, 2 ingress replicas, 1 control plane.
        XCTAssertEqual(v.row(.components)?.runnerUpValue, 9)
        let csv = v.csv()
        XCTAssertTrue(csv.hasPrefix("criterion,winner,value,runner_up,runner_up_value,margin\r\n"))
        XCTAssertTrue(csv.contains("\r\ncomponents_to_operate,direct,0.000,mesh,9.000,1.000000\r\n"), csv)
        XCTAssertTrue(v.table().contains("blast radius"))
    }

    func testVerdictWithoutFaultsLeavesOutFaultCriteria() throws {
        let s = try scenario(topologies: """
          - { name: direct, kind: none }
          - { name: gw, kind: gateway, preset: kong }
        """)
        let v = Verdict.evaluate(result: try Runner.run(s, options: Runner.Options(duration: 5 * Nanos.perSecond, jobs: 2)))
        XCTAssertNil(v.row(.blastRadius))
        XCTAssertNil(v.row(.availabilityDuringFaults))
        XCTAssertEqual(v.rows.map(\.criterion), [.latencyP50, .latencyP99, .availability, .proxyCPU, .proxyMemory, .components])
        XCTAssertEqual(v.row(.components)?.runnerUpValue, 2, "two gateway replicas")
    }
}

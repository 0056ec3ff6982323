import Calibration
import Foundation
@testable import Importers
import Scenario
import SimCore
import Topology
import XCTest

/// `topsim import kubernetes`: Fixtures/kubernetes/timeout (a VirtualService timeout over a
/// slow service) and Fixtures/kubernetes/mesh (a folder: workloads, Istio policies, a Kong decK
/// file) on the isotope shop graph.
final class KubernetesImportTests: XCTestCase {
    /// web calls payment, which sleeps 3 s; the VirtualService gives payment's route
    /// `timeout: 2s`. In the sidecar mesh every request times out (2 s < 3 s; the route
    /// timeout covers every try); with no proxy (`none`) none does. At 5/s, payment holds
    /// about 5 × 3 = 15 requests, below its 4 × 16 workers, so nothing else fails.
    func testVirtualServiceTimeoutOverASlowerServiceTimesOutEveryRequest() throws {
        let d = try KubernetesImporter.importPaths([Fixtures.path("kubernetes/timeout/payment.yaml")],
                                                   options: .init(graph: Fixtures.path("kubernetes/timeout/graph.yaml"), rate: 5))
        XCTAssertEqual(d.services.first { $0.name == "payment" }?.replicas?.value, 4)  // Deployment payment-v1 via Service payment
        let sidecarPolicies = d.topologies.first { $0.kind == "sidecar" }?.policies
        XCTAssertEqual(sidecarPolicies?.first?.key, "timeout")
        XCTAssertEqual(sidecarPolicies?.first?.value, "2s")
        let s = try ScenarioLoader.parse(text: ScenarioWriter.write(d, header: []), fileName: "t.yaml")
        let r = try Runner.run(s, options: .init(duration: 20_000_000_000, jobs: 2))
        let mesh = try XCTUnwrap(r.topologies.first { $0.spec.name == "sidecar" }).runs[0]
        XCTAssertGreaterThan(mesh.requests, 50)
        XCTAssertEqual(mesh.errorCount(.timeout), mesh.requests)
        let direct = try XCTUnwrap(r.topologies.first { $0.spec.name == "none" }).runs[0]
        XCTAssertGreaterThan(direct.requests, 50)
        XCTAssertEqual(direct.succeeded, direct.requests)
    }

    func meshDraft() throws -> ImportDraft {
        try KubernetesImporter.importPaths([Fixtures.path("kubernetes/mesh")],
                                           options: .init(graph: Fixtures.path("isotope/shop.yaml")))
    }

    /// The DestinationRule's outlierDetection shows in the sidecar topology's effective
    /// policies (preset ← scenario ← topology), formatted as `topsim presets` prints them:
    /// consecutiveGatewayErrors 3 (below consecutive5xxErrors 7, it ejects first: every failure
    /// topsim models is a gateway error; testConsecutiveGatewayErrors...), interval 5s,
    /// baseEjectionTime 15s, maxEjectionPercent 40.
    func testOutlierDetectionAppearsInTheEffectivePolicies() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try Fixtures.load(try meshDraft(), in: dir)
        let t = try XCTUnwrap(s.topologies.first { $0.name == "sidecar" })
        let preset = try XCTUnwrap(PresetRegistry.preset(named: t.preset ?? "istio-envoy"))
        let effective = preset.policies.overlaid(by: s.policies.overlaid(by: t.policies ?? Policies()))
        let od = try XCTUnwrap(effective.outlierDetection)
        XCTAssertEqual(od.consecutiveErrors, 3)
        XCTAssertEqual(od.interval, 5_000_000_000)
        XCTAssertEqual(od.ejection, 15_000_000_000)
        XCTAssertEqual(od.maxEjectionPercent, 0.4, accuracy: 1e-12)
        let shown = PresetFormat.outlier(od)
        XCTAssertTrue(shown.hasPrefix("3 consecutive errors, interval 5s, ejection 15s"), shown)
        XCTAssertTrue(shown.contains("max 40% ejected"), shown)
        // The rest of the Istio mapping.
        XCTAssertEqual(effective.timeout, 800_000_000)
        XCTAssertEqual(effective.perTryTimeout, 250_000_000)
        XCTAssertEqual(effective.retries?.attempts, 3)
        XCTAssertEqual(effective.retries?.on, [.serverError, .reset, .connectFailure])
        XCTAssertEqual(effective.circuitBreakers?.maxConnections, 100)
        XCTAssertEqual(effective.circuitBreakers?.maxPendingRequests, 50)
        XCTAssertEqual(effective.circuitBreakers?.maxRequests, 200)
        XCTAssertEqual(effective.circuitBreakers?.maxRetries, 4)
        XCTAssertEqual(effective.connectTimeout, 2_000_000_000)
        XCTAssertEqual(effective.loadBalancing, .leastRequest)
        XCTAssertEqual(t.mtls, .strict)
        // Kong: the gateway topology, its retries, read timeout per try, and the rate limit.
        let g = try XCTUnwrap(s.topologies.first { $0.kind == .gateway })
        XCTAssertEqual(g.preset, "kong")
        XCTAssertEqual(g.policies?.retries?.attempts, 2)
        XCTAssertEqual(g.policies?.perTryTimeout, 1_500_000_000)
        XCTAssertEqual(g.policies?.connectTimeout, 3_000_000_000)
        XCTAssertEqual(g.policies?.rateLimit?.perConsumer, 20)
        XCTAssertEqual(g.policies?.rateLimit?.scope, .cluster)
        XCTAssertEqual(g.policies?.rateLimit?.failOpen, false)
    }

    func testWorkloadsAndUnmappedFieldsAreNoted() throws {
        let d = try meshDraft()
        // Deployment frontend-v2 is selected by Service frontend; StatefulSet stock; catalog from a List.
        XCTAssertEqual(d.services.first { $0.name == "frontend" }?.replicas?.value, 3)
        XCTAssertEqual(d.services.first { $0.name == "stock" }?.replicas?.value, 5)
        XCTAssertEqual(d.services.first { $0.name == "catalog" }?.replicas?.value, 2)
        for expected in ["HorizontalPodAutoscaler resource skipped",
                         "resources (cpu 1) not mapped", "retriable-4xx not mapped",
                         "write_timeout not mapped", "config.hour not mapped", "plugin cors not mapped"] {
            XCTAssertTrue(d.notes.contains { $0.contains(expected) }, expected)
        }
        // Mapped now: the grace period and locality-aware balancing.
        XCTAssertEqual(d.services.first { $0.name == "frontend" }?.terminationGrace?.value, "45s")
        XCTAssertTrue(d.topologies.contains { $0.policies.contains { $0.key == "locality" && $0.value == "prefer-zone" } })
    }

    func testWithoutAGraphEveryWorkloadGetsTraffic() throws {
        let d = try KubernetesImporter.importPaths([Fixtures.path("kubernetes/mesh/workloads.yaml")])
        XCTAssertEqual(d.services.map(\.name), ["frontend", "stock", "catalog"])
        XCTAssertEqual(d.traffic.map(\.to), ["frontend", "stock", "catalog"])
        XCTAssertTrue(d.notes.contains { $0.contains("no call graph") })
        XCTAssertNoThrow(try ScenarioLoader.parse(text: ScenarioWriter.write(d, header: []), fileName: "k.yaml"))
    }

    /// The sidecar topology's policies (by key) and the notes, for a DestinationRule whose
    /// outlierDetection is `fields` (a YAML flow mapping), on the timeout fixture's graph.
    func outlier(_ fields: String) throws -> (policies: [String: PolicyValue], notes: [String]) {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("dr.yaml")
        try Data("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: payment }
            spec:
              host: payment
              trafficPolicy:
                outlierDetection: \(fields)
            """.utf8).write(to: file)
        let d = try KubernetesImporter.importPaths([file.path], options: .init(graph: Fixtures.path("kubernetes/timeout/graph.yaml")))
        let p = d.topologies.first { $0.kind == "sidecar" }?.policies ?? []
        return (Dictionary(uniqueKeysWithValues: p.map { ($0.key, $0) }), d.notes)
    }

    /// Istio's consecutive5xxErrors is Envoy's consecutive_5xx, the count the scenario's
    /// consecutive_errors is: mapped as it is, nothing noted. 0 turns it off (Istio sets
    /// enforcing_consecutive_5xx 0): with no gateway count nothing ejects, and nothing is written.
    func testConsecutive5xxErrorsMapsToConsecutiveErrors() throws {
        let (p, notes) = try outlier("{ consecutive5xxErrors: 7, interval: 5s }")
        XCTAssertEqual(p["outlier_detection.consecutive_errors"]?.value, "7")
        XCTAssertEqual(p["outlier_detection.consecutive_errors"]?.source, "dr.yaml:DestinationRule/payment.spec.trafficPolicy.outlierDetection.consecutive5xxErrors")
        XCTAssertEqual(p["outlier_detection.interval"]?.value, "5s")
        XCTAssertFalse(notes.contains { $0.contains("consecutive") }, "\(notes)")
        let (off, offNotes) = try outlier("{ consecutive5xxErrors: 0, interval: 5s }")
        XCTAssertNil(off["outlier_detection.consecutive_errors"])
        XCTAssertNil(off["outlier_detection.interval"])
        XCTAssertTrue(offNotes.contains { $0.contains("consecutive5xxErrors is 0 and no consecutiveGatewayErrors is set: Istio ejects no host") }, "\(offNotes)")
    }

    /// consecutiveGatewayErrors (502, 503, 504 only) has no field of its own: always noted.
    /// Alone, Envoy's consecutive_5xx keeps its default 5 (Istio leaves it unset). Every
    /// failure topsim models is a gateway error, so both counts see the same failures and the
    /// lower ejects first: 3 < 5 is written; 8 ≥ 5 has no effect (as Istio documents) and 5 is
    /// written. With the 5xx count off (0), the gateway count alone ejects. The deprecated
    /// consecutiveErrors, which Istio no longer reads, is noted and not mapped.
    func testConsecutiveGatewayErrorsIsNotedAndEjectsFirstOnlyBelowThe5xxCount() throws {
        let (low, lowNotes) = try outlier("{ consecutiveGatewayErrors: 3 }")
        XCTAssertEqual(low["outlier_detection.consecutive_errors"]?.value, "3")
        XCTAssertTrue(low["outlier_detection.consecutive_errors"]?.source.hasSuffix("outlierDetection.consecutiveGatewayErrors") ?? false)
        XCTAssertTrue(lowNotes.contains { $0.contains("consecutiveGatewayErrors 3 is written as outlier_detection.consecutive_errors: it ejects before the 5xx count (5)") }, "\(lowNotes)")
        let (high, highNotes) = try outlier("{ consecutiveGatewayErrors: 8 }")
        XCTAssertEqual(high["outlier_detection.consecutive_errors"]?.value, "5")
        XCTAssertTrue(high["outlier_detection.consecutive_errors"]?.source.hasPrefix("default: Envoy's consecutive_5xx") ?? false)
        XCTAssertTrue(highNotes.contains { $0.contains("consecutiveGatewayErrors 8 has no effect: the 5xx count (5) ejects first") }, "\(highNotes)")
        let (only, _) = try outlier("{ consecutive5xxErrors: 0, consecutiveGatewayErrors: 4 }")
        XCTAssertEqual(only["outlier_detection.consecutive_errors"]?.value, "4")
        let (old, oldNotes) = try outlier("{ consecutiveErrors: 2, consecutive5xxErrors: 6 }")
        XCTAssertEqual(old["outlier_detection.consecutive_errors"]?.value, "6")
        XCTAssertTrue(oldNotes.contains { $0.contains("outlierDetection.consecutiveErrors not mapped: deprecated") }, "\(oldNotes)")
    }

    func testRetryOnClasses() {
        let (m, u) = KubernetesImporter.retryOn("5xx, gateway-error,reset,connect-failure,refused-stream,503,retriable-4xx,cancelled")
        XCTAssertEqual(m, ["5xx", "gateway-error", "reset", "connect-failure", "refused-stream", "unavailable"])
        XCTAssertEqual(u, ["retriable-4xx", "cancelled"])
    }

    /// Pod templates that opt out of injection (Istio's `sidecar.istio.io/inject: "false"`
    /// label, Linkerd's `linkerd.io/inject: disabled` annotation) become `mesh: false`,
    /// with the field as the value's source; the others stay in the mesh.
    func testInjectionOptOutsBecomeMeshFalse() throws {
        let d = try KubernetesImporter.importPaths([Fixtures.path("kubernetes/adoption/workloads.yaml")], options: .init())
        XCTAssertNil(d.services.first { $0.name == "web" }?.mesh)
        XCTAssertEqual(d.services.first { $0.name == "legacy-batch" }?.mesh?.value, false)
        XCTAssertTrue(d.services.first { $0.name == "legacy-batch" }?.mesh?.source.contains("labels.sidecar.istio.io/inject false") == true)
        XCTAssertEqual(d.services.first { $0.name == "reports" }?.mesh?.value, false)
        let text = ScenarioWriter.write(d, header: [])
        let s = try ScenarioLoader.parse(text: text, fileName: "t.yaml")
        XCTAssertEqual(s.services.map(\.mesh), s.services.map { $0.name == "web" }, text)
    }
}

extension KubernetesImportTests {
    /// terminationGracePeriodSeconds becomes the service's `termination_grace`, and a
    /// DestinationRule's localityLbSetting (enabled unless set false) `locality: prefer-zone`;
    /// the scenario validates with both, parsed back to 45 s and prefer-zone.
    func testGracePeriodAndLocalityAreMapped() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("app.yaml")
        try """
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: api }
        spec:
          replicas: 2
          template:
            spec:
              terminationGracePeriodSeconds: 45
              containers: [ { name: api, image: api } ]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: api }
        spec:
          host: api
          trafficPolicy:
            loadBalancer:
              localityLbSetting: { enabled: true }
        """.write(to: file, atomically: true, encoding: .utf8)
        let d = try KubernetesImporter.importPaths([file.path])
        let api = try XCTUnwrap(d.services.first { $0.name == "api" })
        XCTAssertEqual(api.terminationGrace?.value, "45s")
        XCTAssertFalse(d.notes.contains { $0.contains("terminationGracePeriodSeconds") || $0.contains("localityLbSetting") },
                       "\(d.notes)")
        let s = try Fixtures.load(d, in: dir)
        XCTAssertEqual(s.services.first { $0.name == "api" }?.terminationGrace, 45 * Nanos.perSecond)
        let sidecar = try XCTUnwrap(s.topologies.first { $0.kind == .sidecar })
        XCTAssertEqual(s.policies.overlaid(by: sidecar.policies ?? Policies()).locality, .preferZone)
    }
}

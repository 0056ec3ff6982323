import XCTest
@testable import Calibration
import SimCore

final class CitationCoverageTests: XCTestCase {
    /// Every value a preset sets has exactly one citation naming a source
    /// (or an "assumption:" with its reasoning), and nothing is cited that is not set.
    func testEveryFieldHasACitation() {
        for p in PresetRegistry.all {
            let fields = p.fields.map(\.name)
            let cited = p.valueCitations.map(\.field)
            XCTAssertEqual(fields, cited, p.name)
            for c in p.citations {
                XCTAssertNotEqual(c.source, "MISSING", "\(p.name).\(c.field) has no source")
                XCTAssertGreaterThan(c.source.count, 20, "\(p.name).\(c.field): a source says what and where")
                XCTAssertFalse(c.value.isEmpty, "\(p.name).\(c.field)")
            }
        }
    }

    /// Numeric members of every profile are covered field by field.
    func testNumericProfileMembersAreCovered() {
        let members = ["latency", "workers", "queue", "replicas", "cpuPerRequest", "memoryMB"]
        for p in PresetRegistry.all {
            let cited = Set(p.citations.map(\.field))
            for role in ["proxy", "waypoint", "gateway"] where p.profile(role: role) != nil {
                for m in members {
                    XCTAssertTrue(cited.contains("\(role).\(m)"), "\(p.name): \(role).\(m) uncited")
                }
            }
            if p.certificates != nil {
                XCTAssertTrue(cited.isSuperset(of: ["certificates.ttl", "certificates.rotateAt"]), p.name)
            }
            if p.maxTimeout != nil { XCTAssertTrue(cited.contains("maxTimeout"), p.name) }
            if p.throttle != nil { XCTAssertTrue(cited.contains("throttle"), p.name) }
            for f in ["policies.timeout", "policies.retries", "policies.outlierDetection", "policies.rateLimit"] {
                XCTAssertTrue(cited.contains(f), "\(p.name): \(f) uncited")
            }
        }
    }

    /// A sourced value names a document (URL, repository issue or named docs page);
    /// an assumption gives its reasoning.
    func testSourcesNameWhereTheyComeFrom() {
        let markers = ["http", "#", "docs", "chart", "values", "proto", "page", "Kong", "consul", "Consul",
                       "not applicable", "replicas does not apply"]
        for p in PresetRegistry.all {
            for c in p.citations where !c.isAssumption {
                XCTAssertTrue(markers.contains { c.source.contains($0) }, "\(p.name).\(c.field): \(c.source)")
            }
            for c in p.citations where c.isAssumption {
                XCTAssertGreaterThan(c.source.count, "assumption: ".count + 15, "\(p.name).\(c.field)")
            }
        }
    }

    /// The headline figures are sourced, not assumed.
    func testPublishedFiguresAreNotMarkedAsAssumptions() throws {
        let sourced: [(String, String)] = [
            ("istio-1.20", "proxy.latency"), ("istio-1.12", "proxy.latency"), ("istio-ambient", "proxy.latency"),
            ("istio-1.24", "proxy.cpuPerRequest"), ("istio-1.24", "proxy.memoryMB"),
            ("istio-1.12", "proxy.cpuPerRequest"), ("istio-ambient", "waypoint.cpuPerRequest"),
            ("linkerd-2.11", "proxy.memoryMB"), ("linkerd-2.11", "proxy.latency"), ("linkerd-2.10", "proxy.latency"), ("linkerd", "certificates.ttl"), ("kong", "gateway.cpuPerRequest"),
            ("kong", "policies.timeout"), ("aws-api-gateway", "throttle"), ("apigee", "policies.timeout"),
            ("azure-apim", "maxTimeout"), ("consul-envoy", "certificates.ttl"),
        ]
        for (name, field) in sourced {
            let p = try XCTUnwrap(PresetRegistry.preset(named: name))
            let c = try XCTUnwrap(p.citations.first { $0.field == field }, "\(name).\(field)")
            XCTAssertFalse(c.isAssumption, "\(name).\(field)")
        }
        // Figures nobody published stay marked.
        for (name, field) in [("aws-api-gateway", "gateway.latency"), ("cilium", "proxy.latency"),
                              ("linkerd", "proxy.latency"), ("istio-1.24", "proxy.latency")] {
            let c = try XCTUnwrap(PresetRegistry.preset(named: name)?.citations.first { $0.field == field })
            XCTAssertTrue(c.isAssumption, "\(name).\(field)")
        }
    }

    // MARK: Content: the source supports the value

    /// Every cited value's numbers and units are in its source, or follow from it by a
    /// rule CitationCheck states; a "none" is backed by words saying so.
    func testEverySourceSupportsItsValue() {
        var checked = 0
        for p in PresetRegistry.all {
            for c in p.valueCitations {
                XCTAssertEqual(CitationCheck.problems(c), [], "\(p.name): \(c.source)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 250)
    }

    /// The test of the test: citations that contradict their values are rejected.
    func testContradictingCitationsAreRejected() throws {
        // Envoy's route timeout, "15 s, retries included", cited for a per-try timeout of 15 s.
        let perTry = CitationCheck.problems(Citation(field: "policies.perTryTimeout", value: "15s",
                                                     source: Src.envoyRouteTimeout))
        XCTAssertTrue(perTry.contains { $0.contains("not per try") }, "\(perTry)")
        XCTAssertTrue(perTry.contains { $0.contains("does not say the timeout is per try") }, "\(perTry)")
        // The same source for the route timeout it states is accepted...
        XCTAssertEqual(CitationCheck.problems(Citation(field: "policies.timeout", value: "15s", source: Src.envoyRouteTimeout)), [])
        // ...and a per-try figure cited for a route timeout is not.
        XCTAssertFalse(CitationCheck.problems(Citation(field: "policies.timeout", value: "60s",
                                                       source: "nginx: proxy_read_timeout 60s, each try's own")).isEmpty)
        // Another number, another unit, a number where the value is none, a missing word.
        XCTAssertFalse(CitationCheck.problems(Citation(field: "policies.timeout", value: "30s", source: Src.envoyRouteTimeout)).isEmpty)
        XCTAssertFalse(CitationCheck.problems(Citation(field: "proxy.memoryMB", value: "60 MB",
                                                       source: "Istio performance page: a sidecar adds 60 ms")).isEmpty)
        XCTAssertFalse(CitationCheck.problems(Citation(field: "policies.retries", value: "none", source: Src.istioRetries)).isEmpty)
        XCTAssertFalse(CitationCheck.problems(Citation(field: "holdApplicationUntilProxyStarts", value: "true", source: Src.istioHold)).isEmpty)
        XCTAssertFalse(CitationCheck.problems(Citation(field: "policies.loadBalancing", value: "random",
                                                       source: Src.envoyPanic)).isEmpty)
        // A fitted latency cited with the figure of another fit.
        let fit120 = PresetFormat.distribution(try XCTUnwrap(PresetRegistry.preset(named: "istio-1.20")?.proxy?.latency))
        XCTAssertEqual(CitationCheck.problems(Citation(field: "proxy.latency", value: fit120, source: Src.istio120Latency)), [])
        XCTAssertFalse(CitationCheck.problems(Citation(field: "proxy.latency", value: fit120, source: Src.istio112Latency)).isEmpty)
        // Rounding: a figure matches within half its last digit, not beyond.
        XCTAssertEqual(CitationCheck.problems(Citation(field: "gateway.cpuPerRequest", value: "0.116 ms CPU",
                                                       source: "derived: 16/138,087 s = 0.116 ms CPU per request")), [])
        XCTAssertFalse(CitationCheck.problems(Citation(field: "gateway.cpuPerRequest", value: "0.118 ms CPU",
                                                       source: "derived: 16/138,087 s = 0.116 ms CPU per request")).isEmpty)
    }

    /// The unit rules the check derives with.
    func testQuantitiesAreNormalised() {
        func q(_ s: String) -> [Double] { Quantity.all(in: s).map(\.value) }
        XCTAssertEqual(q("timeouts 60000 ms"), [60])
        XCTAssertEqual(q("last 24 h (24h0m0s)"), [86_400, 86_400])
        XCTAssertEqual(q("10,000 rps with a 5,000-request burst"), [10_000, 5_000])
        let cpu = Quantity.all(in: "per 1000 rps, sidecar 0.20 vCPU")
        XCTAssertEqual(cpu.map(\.kind), [.rate, .duration])
        XCTAssertEqual(cpu[1].value, 0.0002, accuracy: 1e-12)
        XCTAssertEqual(q("2^32-1"), [4_294_967_295])
        XCTAssertEqual(Quantity.all(in: "renewed at 50%").first?.kind, .ratio)
    }
}

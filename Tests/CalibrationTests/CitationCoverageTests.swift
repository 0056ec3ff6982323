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
            ("linkerd", "proxy.memoryMB"), ("linkerd", "certificates.ttl"), ("kong", "gateway.cpuPerRequest"),
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
}

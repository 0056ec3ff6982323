import Calibration
@testable import Scenario
import XCTest

/// Faults that cannot do anything in a topology say so in `validate`'s notes.
final class ApplicabilityTests: XCTestCase {
    func testStoreDownAndDriftNotes() throws {
        let s = try ScenarioLoader.parse(text: """
            scenario: notes
            duration: 60s
            services:
              front: { service_time: const(1ms), calls: [back] }
              back: { service_time: const(1ms) }
              edge-only: { service_time: const(1ms) }
            traffic:
              - { name: t, from: external, to: front, rate: 10/s }
              - { name: u, from: external, to: edge-only, rate: 10/s }
            topologies:
              - { name: local, kind: gateway, preset: kong, policies: { rate_limit: { per_consumer: 5/s } } }
              - { name: cluster, kind: gateway, preset: kong, policies: { rate_limit: { per_consumer: 5/s, policy: cluster } } }
              - { name: mesh, kind: sidecar, preset: istio-1.24 }
            faults:
              - { at: 10s, for: 10s, kind: rate-limit-store-down }
              - { at: 10s, for: 10s, kind: config-drift, target: edge-only, policies: { timeout: 1ms } }
              - { at: 10s, for: 10s, kind: config-drift, target: back, policies: { timeout: 1ms } }
            """, fileName: "notes.yaml")
        let store = s.faults[0], driftEdge = s.faults[1], driftBack = s.faults[2]
        func note(_ f: Fault, _ t: String) -> String? { f.inapplicability(to: s.topology(named: t)!, in: s) }
        XCTAssertNotNil(note(store, "local"))
        XCTAssertNil(note(store, "cluster"))
        XCTAssertEqual(note(store, "mesh"), "has no gateway rate limit")
        XCTAssertTrue(note(driftEdge, "mesh")?.contains("only external traffic") ?? false)
        XCTAssertNil(note(driftBack, "mesh"), "front's sidecars call back: drift applies")
    }
}

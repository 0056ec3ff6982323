import Calibration
import SimCore
import XCTest
@testable import Scenario

/// Issue 22: `mesh: false` on a service, the `inject` and `mtls-mode` faults, their errors and
/// the `validate` notes for combinations that do nothing.
final class AdoptionKeysTests: XCTestCase {
    /// Services legacy (line 4) and orders (line 5); topologies on lines 9-11; the fault on line 13.
    static func text(legacy: String = ", mesh: false", fault: String = "") -> String {
        """
        scenario: t
        duration: 1m
        services:
          legacy: { service_time: exp(1ms), calls: [orders]\(legacy) }
          orders: { service_time: exp(1ms) }
        traffic:
          - { to: legacy, rate: 10/s }
        topologies:
          - { name: mesh, kind: sidecar }
          - { name: direct, kind: none }
          - { name: gw, kind: gateway }
        \(fault.isEmpty ? "" : "faults:\n  - \(fault)")
        """
    }

    func testTheKeysAreRead() throws {
        let s = try XCTUnwrap(parseValid(Self.text(fault: "{ at: 10s, kind: inject, target: legacy, max_surge: 2 }")))
        XCTAssertFalse(s.services[0].mesh)
        XCTAssertTrue(s.services[1].mesh, "default: in the mesh")
        XCTAssertEqual(s.faults[0].kind, .inject)
        XCTAssertEqual(s.faults[0].target, .service(0))
        XCTAssertEqual(s.faults[0].maxSurge, 2)

        let ns = try XCTUnwrap(parseValid(Self.text(fault: "{ at: 10s, kind: mtls-mode, mode: strict }")))
        XCTAssertEqual(ns.faults[0].mode, .strict)
        XCTAssertEqual(ns.faults[0].target, FaultTarget.none, "namespace-wide")
        XCTAssertEqual(ns.faults[0].label, "mtls-mode strict namespace")
        let one = try XCTUnwrap(parseValid(Self.text(fault: "{ at: 10s, kind: mtls-mode, mode: PERMISSIVE, target: orders }")))
        XCTAssertEqual(one.faults[0].mode, .permissive, "Istio's spelling is accepted too")
        XCTAssertEqual(one.faults[0].target, .service(1))
    }

    func testMistakesPointAtTheirPlace() {
        // `  legacy: { service_time: exp(1ms), calls: [orders], mesh: ` puts the value at column 60 (the key at 54).
        let notBool = diagnostics(Self.text(legacy: ", mesh: maybe"))
        XCTAssertEqual(notBool.first?.description, "t.yaml:4:60: error: 'mesh' must be true or false, not 'maybe'")
        let misspelt = diagnostics(Self.text(legacy: ", mehs: false"))
        XCTAssertEqual(misspelt.first?.description,
                       "t.yaml:4:54: error: unknown key 'mehs' in service 'legacy' (did you mean 'mesh'?)")
        // `  - { at: 10s, kind: mtls-mode, mode: ` puts the value at column 39 of line 13.
        let typo = diagnostics(Self.text(fault: "{ at: 10s, kind: mtls-mode, mode: strcit }"))
        XCTAssertEqual(typo.first?.description,
                       "t.yaml:13:39: error: 'mode' must be one of strict, permissive, not 'strcit' (did you mean 'strict'?)")
        let off = diagnostics(Self.text(fault: "{ at: 10s, kind: mtls-mode, mode: off }"))
        XCTAssertEqual(off.first?.line, 13, "off is the topology's mtls, not a migration step")
        let noMode = diagnostics(Self.text(fault: "{ at: 10s, kind: mtls-mode }"))
        XCTAssertEqual(noMode.first?.message, "an 'mtls-mode' fault needs 'mode' (strict or permissive, e.g. mode: strict)")
        let lasting = diagnostics(Self.text(fault: "{ at: 10s, for: 5s, kind: mtls-mode, mode: strict }"))
        XCTAssertEqual(lasting.first?.message, "an 'mtls-mode' switch holds until another one changes it; it takes no 'for'")
        let injectFor = diagnostics(Self.text(fault: "{ at: 10s, for: 5s, kind: inject, target: legacy }"))
        XCTAssertEqual(injectFor.first?.message, "an 'inject' runs until every pod is replaced; it takes no 'for'")
        let pod = diagnostics(Self.text(fault: "{ at: 10s, kind: inject, target: legacy/0 }"))
        XCTAssertTrue(pod.first?.message.contains("cannot target instance 'legacy/0'") == true, "\(pod)")
        let kind = diagnostics(Self.text(fault: "{ at: 10s, kind: injekt, target: legacy }"))
        XCTAssertEqual(kind.first?.suggestion, "inject")
        let wrongKey = diagnostics(Self.text(fault: "{ at: 10s, kind: inject, target: legacy, mode: strict }"))
        XCTAssertEqual(wrongKey.first?.message, "'mode' does not apply to a 'inject' fault")
    }

    func testNotesForCombinationsThatDoNothing() throws {
        let s = try XCTUnwrap(parseValid(Self.text(fault: "{ at: 10s, kind: mtls-mode, mode: strict }")))
        func note(_ f: Fault, _ t: String) -> String? { f.inapplicability(to: s.topology(named: t)!, in: s) }
        XCTAssertNil(note(s.faults[0], "mesh"))
        XCTAssertEqual(note(s.faults[0], "direct"), "has no mesh: no proxy speaks mTLS between services")
        XCTAssertEqual(note(s.faults[0], "gw"), "has no mesh: no proxy speaks mTLS between services")
        // mesh: false on legacy (line 4, column 3) in the two topologies without a mesh.
        XCTAssertEqual(s.adoptionNotes.map(\.message), [
            "mesh: false does nothing in topology 'direct': kind none has no mesh",
            "mesh: false does nothing in topology 'gw': kind gateway has no mesh",
        ])
        XCTAssertEqual(s.adoptionNotes.first?.line, 4)

        let meshed = try XCTUnwrap(parseValid(Self.text(fault: "{ at: 10s, kind: inject, target: orders }")))
        XCTAssertEqual(meshed.faults[0].inapplicability(to: meshed.topology(named: "mesh")!, in: meshed),
                       "injects 'orders', which is in the mesh from the start (mesh: false keeps it out until then)")
        XCTAssertEqual(meshed.faults[0].inapplicability(to: meshed.topology(named: "direct")!, in: meshed),
                       "has no mesh to inject its pods into")
        let plain = try XCTUnwrap(parseValid(Self.text(fault: "{ at: 10s, kind: inject, target: legacy }")))
        XCTAssertNil(plain.faults[0].inapplicability(to: plain.topology(named: "mesh")!, in: plain))
        XCTAssertTrue(try XCTUnwrap(parseValid(Self.text(legacy: ""))).adoptionNotes.isEmpty)

        let crash = try XCTUnwrap(parseValid(Self.text(fault: "{ at: 10s, for: 5s, kind: proxy-crash, target: legacy/0 }")))
        XCTAssertEqual(crash.faults[0].inapplicability(to: crash.topology(named: "mesh")!, in: crash),
                       "targets 'legacy', which has no sidecar (mesh: false, never injected)")
        let meshedCrash = try XCTUnwrap(parseValid(Self.text(fault: "{ at: 10s, for: 5s, kind: proxy-crash, target: orders }")))
        XCTAssertNil(meshedCrash.faults[0].inapplicability(to: meshedCrash.topology(named: "mesh")!, in: meshedCrash))
    }

    /// The scenario-level view the checklist uses: a workload's own mode outranks the
    /// namespace's whatever their order; an inject brings a service into the mesh.
    func testTheTimelineAtItsEnd() throws {
        let s = try XCTUnwrap(parseValid("""
            scenario: t
            duration: 1m
            services:
              legacy: { service_time: exp(1ms), calls: [orders], mesh: false }
              batch: { service_time: exp(1ms), calls: [orders], mesh: false }
              orders: { service_time: exp(1ms) }
            traffic:
              - { to: legacy, rate: 10/s }
            topologies:
              - { name: mesh, kind: sidecar }
            faults:
              - { at: 5s, kind: mtls-mode, mode: permissive, target: orders }
              - { at: 10s, kind: inject, target: legacy }
              - { at: 20s, kind: mtls-mode, mode: strict }
            """))
        XCTAssertEqual(s.mtlsModeAtEnd(2, initial: .permissive), .permissive, "orders' own mode outranks the later namespace's")
        XCTAssertEqual(s.mtlsModeAtEnd(0, initial: .permissive), .strict)
        XCTAssertTrue(s.meshedAtEnd(0))
        XCTAssertFalse(s.meshedAtEnd(1))
        XCTAssertTrue(s.plainCallersOfStrictServices(initial: .permissive).isEmpty, "orders is permissive")
        XCTAssertEqual(s.plainCallersOfStrictServices(initial: .strict).count, 0)
        var strictOrders = s
        strictOrders.faults.remove(at: 0)
        let pairs = strictOrders.plainCallersOfStrictServices(initial: .permissive)
        XCTAssertEqual(pairs.map(\.caller), [1])
        XCTAssertEqual(pairs.map(\.callee), [2])
    }
}

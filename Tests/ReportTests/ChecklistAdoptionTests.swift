import Calibration
import Report
import Scenario
import SimCore
import TestSupport
import Topology
import XCTest

/// Issue 22: the checklist's "strict mTLS inside" reads a migration's timeline: the mode and
/// the mesh membership once every `inject` and `mtls-mode` has applied.
final class ChecklistAdoptionTests: XCTestCase {
    /// front calls api; `legacy` (a batch job) calls api too. `faults` replaces the list.
    func scenario(legacy: String = "mesh: false", mtls: String = "permissive", faults: String) throws -> Scenario {
        try ScenarioLoader.parse(text: """
        scenario: t
        duration: 30s
        services:
          front: { service_time: exp(1ms), calls: [api] }
          api: { service_time: exp(1ms) }
          legacy: { service_time: exp(1ms), calls: [api], \(legacy) }
        traffic:
          - { name: users, from: external, to: front, rate: 10/s }
        topologies:
          - { name: mesh, kind: sidecar, preset: istio-envoy, mtls: \(mtls) }
          - { name: direct, kind: none }
        faults:
        \(faults)
        """)
    }

    func entry(_ s: Scenario) throws -> Checklist.Entry {
        try XCTUnwrap(Checklist.evaluate(s).checks(for: "mesh")).entry(.strictMTLS)
    }

    /// `topsim validate` prints the notes (FILE:LINE:COLUMN: note: …) and still accepts the file.
    func testValidatePrintsTheAdoptionNotes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("adoption-notes-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("n.yaml")
        try """
        scenario: n
        duration: 30s
        services:
          api: { service_time: exp(1ms), mesh: false }
        traffic:
          - { to: api, rate: 10/s }
        topologies:
          - { name: gw, kind: gateway }
          - { name: mesh, kind: sidecar }
        faults:
          - { at: 10s, kind: mtls-mode, mode: strict }

        """.write(to: file, atomically: true, encoding: .utf8)
        let r = try TopsimBinary.run(["validate", file.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            "\(file.path): ok (1 service, 2 topologies, 1 fault, 0 expectations)",
            "\(file.path):11:5: note: mtls-mode does nothing in topology 'gw': kind gateway has no mesh: no proxy speaks mTLS between services",
            "\(file.path):4:3: note: mesh: false does nothing in topology 'gw': kind gateway has no mesh",
        ])
    }

    func testStrictWithAForgottenCallerWarnsAndNamesIt() throws {
        let e = try entry(scenario(faults: "  - { at: 10s, kind: mtls-mode, mode: strict }"))
        XCTAssertEqual(e.status, .warn)
        XCTAssertTrue(e.reason.contains("plain callers of strict services remain: legacy calls api"), e.reason)
        XCTAssertTrue(e.reason.contains("errors.tls"), e.reason)
        // Strict from the start (the topology's own mtls) is the same mistake.
        let fromStart = try entry(scenario(mtls: "strict", faults: "  - { at: 10s, kind: mtls-mode, mode: strict, target: front }"))
        XCTAssertEqual(fromStart.status, .warn)
        XCTAssertTrue(fromStart.reason.contains("legacy calls api"), fromStart.reason)
    }

    func testInjectingTheCallerFirstPasses() throws {
        let e = try entry(scenario(faults: """
          - { at: 5s, kind: inject, target: legacy }
          - { at: 20s, kind: mtls-mode, mode: strict }
        """))
        XCTAssertEqual(e.status, .pass, e.reason)
    }

    func testPermissiveLeftAnywhereFails() throws {
        // Only front goes strict; api stays permissive: plaintext is still accepted by api.
        let e = try entry(scenario(faults: "  - { at: 10s, kind: mtls-mode, mode: strict, target: front }"))
        XCTAssertEqual(e.status, .fail)
        XCTAssertTrue(e.reason.contains("api"), e.reason)
        XCTAssertFalse(e.reason.contains("front,"), "front is strict: \(e.reason)")
    }

    func testAPlainServiceNobodyStrictHearsFromWarns() throws {
        // legacy stays out of the mesh and calls nobody: no call fails, but its own traffic
        // is plaintext: a warning.
        let s = try ScenarioLoader.parse(text: """
        scenario: t
        duration: 30s
        services:
          front: { service_time: exp(1ms) }
          legacy: { service_time: exp(1ms), mesh: false }
        traffic:
          - { name: users, from: external, to: front, rate: 10/s }
        topologies:
          - { name: mesh, kind: sidecar, preset: istio-envoy, mtls: strict }
        """)
        let e = try entry(s)
        XCTAssertEqual(e.status, .warn)
        XCTAssertTrue(e.reason.contains("legacy stays outside the mesh"), e.reason)
        // Without any migration, the topology's mtls alone decides, as before.
        let plain = try scenario(legacy: "mesh: true", mtls: "strict", faults: "  []")
        XCTAssertEqual(try entry(plain).status, .pass)
    }
}

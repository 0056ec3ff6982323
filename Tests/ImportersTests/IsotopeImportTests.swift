import Foundation
@testable import Importers
import Scenario
import SimCore
import Topology
import XCTest

/// `topsim import isotope` on Fixtures/isotope/shop.yaml, which uses every construct of the
/// format: defaults, sequential and concurrent calls, a call probability, sleeps (one after
/// a call), error rates, replicas, two entrypoints, sizes.
final class IsotopeImportTests: XCTestCase {
    func draft() throws -> ImportDraft { try IsotopeImporter.importFile(Fixtures.path("isotope/shop.yaml")) }

    func testEveryConstructMapsToItsScenarioField() throws {
        let d = try draft()
        XCTAssertEqual(d.services.map(\.name), ["frontend", "catalog", "pricing", "stock", "ads", "admin"])
        let front = d.services[0]
        XCTAssertEqual(front.serviceTime.value, "const(2ms)")
        XCTAssertEqual(front.replicas?.value, 3)
        XCTAssertEqual(front.steps.map { $0.calls.map(\.service) }, [["catalog"], ["pricing", "stock"], ["ads"]])
        XCTAssertEqual(front.steps[2].calls[0].probability, 0.5)     // probability: 50 (percent)
        XCTAssertEqual(d.services[1].replicas?.value, 2)              // defaults.numReplicas
        XCTAssertEqual(d.services[1].replicas?.source, "shop.yaml:defaults.numReplicas")
        XCTAssertEqual(d.services[1].serviceTime.value, "const(1.5ms)")
        XCTAssertEqual(d.services[2].errors?.value ?? -1, 0.01, accuracy: 1e-12) // errorRate: 1%
        XCTAssertEqual(d.services[2].serviceTime.value, "const(500us)")
        // admin sleeps 4ms after its call: the total is kept, before the call, with a note.
        XCTAssertEqual(d.services[5].serviceTime.value, "const(4ms)")
        XCTAssertTrue(d.notes.contains { $0.contains("services[5].script: a sleep after a call") })
        XCTAssertTrue(d.notes.contains { $0.contains("sizes are not mapped") && $0.contains("defaults.requestSize") })
        XCTAssertEqual(d.traffic.map(\.to), ["frontend", "admin"])
        XCTAssertEqual(d.topologies.map(\.kind), ["none", "sidecar", "sidecarless", "gateway"])
    }

    func testEveryValueLineCarriesItsSource() throws {
        let text = ScenarioWriter.write(try draft(), header: [])
        let valueLines = text.split(separator: "\n").filter { l in
            !l.hasPrefix("#") && l.contains(":") && !l.hasSuffix(":") && !l.contains("- name:")
        }
        XCTAssertFalse(valueLines.isEmpty)
        for l in valueLines { XCTAssertTrue(l.contains(" # "), "no source comment: \(l)") }
        XCTAssertNoThrow(try ScenarioLoader.parse(text: text, fileName: "shop.yaml"))
    }

    /// Executions per root request the graph implies: a frontend request runs frontend,
    /// catalog, stock (catalog's), pricing, stock (frontend's) = 5, plus ads on 50%: 5.5; an
    /// admin request runs admin and stock: 2. Both entrypoints get 100/s, so the mean is
    /// (5.5 + 2) / 2 = 3.75 per request. Its spread per request: E[X²] = ½(25 + 5 + 0.5) + ½·4
    /// = 17.25, Var = 17.25 − 3.75² = 3.19, sd 1.79; over ~200/s × 20 s = 4000 requests the
    /// standard error is 1.79/√4000 = 0.028: tolerance 4 × 0.028 ≈ 0.12 (plus pricing's 1%
    /// errors, which run nothing further: none of its calls exist, so no change).
    func testImportedGraphRunsWithAppTraversalsPerRequestAsTheGraphImplies() throws {
        let s = try ScenarioLoader.parse(text: ScenarioWriter.write(try draft(), header: []), fileName: "shop.yaml")
        let r = try Runner.run(s, options: .init(duration: 20_000_000_000, jobs: 2))
        for t in r.topologies {
            let m = t.runs[0]
            XCTAssertGreaterThan(m.requests, 3000, t.spec.name)
            XCTAssertEqual(Fixtures.appTraversalsPerRequest(m), 3.75, accuracy: 0.12, t.spec.name)
        }
    }

    func testConcurrentGroupSleepAndCycleAreNoted() throws {
        let d = try IsotopeImporter.importText("""
            services:
            - name: a
              isEntrypoint: true
              script:
              - - sleep: 10ms
                - sleep: 30ms
                - call: b
            - name: b
              script:
              - call: a
            """, file: "loop.yaml")
        // The group's longest sleep is a's own time; b -> a closes a cycle and is dropped.
        XCTAssertEqual(d.services[0].serviceTime.value, "const(30ms)")
        XCTAssertTrue(d.services[1].steps.isEmpty)
        XCTAssertTrue(d.notes.contains { $0.contains("b -> a closes a cycle") })
        XCTAssertTrue(d.notes.contains { $0.contains("inside a concurrent group") })
        XCTAssertNoThrow(try ScenarioLoader.parse(text: ScenarioWriter.write(d, header: []), fileName: "loop.yaml"))
    }

    func testBadInputIsAnErrorAtItsPosition() throws {
        XCTAssertThrowsError(try IsotopeImporter.importFile(Fixtures.path("isotope/broken.yaml"))) { e in
            XCTAssertEqual("\(e)", Fixtures.path("isotope/broken.yaml") + ":6:11: error: cannot call undefined service 'nope'")
        }
        XCTAssertThrowsError(try IsotopeImporter.importText("services:\n- name: a\n  script:\n  - - - call: a\n", file: "n.yaml")) { e in
            XCTAssertTrue("\(e)".contains("n.yaml:4:7: error: concurrent commands may not be nested"), "\(e)")
        }
    }

    func testGoDurations() {
        XCTAssertEqual(IsotopeImporter.goDuration("1h30m"), 5_400_000_000_000)
        XCTAssertEqual(IsotopeImporter.goDuration("1.5s"), 1_500_000_000)
        XCTAssertEqual(IsotopeImporter.goDuration("250µs"), 250_000)
        XCTAssertEqual(IsotopeImporter.goDuration("0"), 0)
        XCTAssertNil(IsotopeImporter.goDuration("10"))
        XCTAssertNil(IsotopeImporter.goDuration("-1s"))
    }
}

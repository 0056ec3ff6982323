import Foundation
import TestSupport
import XCTest

/// tools/validation-table.py (`make validation-table`): runs the scenarios its figures name
/// with the topsim under test and writes the published-vs-simulated table between the
/// markers of a document, nothing else. The fixtures are written here, in a temporary
/// directory, so the test reads nothing outside the package.
final class ValidationTableTests: XCTestCase {
    /// No network time, a constant 10 ms app: `base` (no mesh) takes exactly 10 ms. In `mesh`
    /// an internal call passes the client pod's sidecar and the app's, each both ways, 4
    /// traversals of a constant 2 ms: 10 + 4 × 2 = 18 ms at every percentile.
    static let scenario = """
    scenario: tiny
    seed: 1
    duration: 10s
    warmup: 1s
    cluster:
      network: { same_node: const(0s), same_zone: const(0s), cross_zone: const(0s), external: const(0s) }
    services:
      app: { replicas: 1, workers: unlimited, queue: unlimited, service_time: const(10ms) }
    traffic:
      - { name: client, from: internal, to: app, rate: 20/s, clients: 2 }
    topologies:
      - { name: base, kind: none }
      - { name: mesh, kind: sidecar, preset: istio-1.24, mtls: off, proxy: { latency: const(2ms), workers: unlimited, queue: unlimited } }

    """

    /// Five figures: three hold (10 ms ± 0.5; 8 ms added ± 0.5; ratio 18/10 = 1.8 in
    /// [1.75, 1.85]), one does not (12 ms ± 1 against 10 ms), one is shown only.
    static let figures = """
    {"publications": [{"id": "tiny-pub", "url": "https://example.org/tiny", "figures": [
      {"scenario": "tiny.yaml", "load": "20 rps", "metric": "p50, base", "unit": "ms", "published": 10,
       "simulated": "base.p50", "tolerance": {"abs": 0.5}},
      {"scenario": "tiny.yaml", "load": "20 rps", "metric": "added p50, mesh", "unit": "ms", "published": 8,
       "simulated": "mesh.p50 - base.p50", "tolerance": {"abs": 0.5}},
      {"scenario": "tiny.yaml", "load": "20 rps", "metric": "p99, mesh / base", "unit": "x", "published": 1.8,
       "simulated": "(mesh.p99) / (base.p99)", "tolerance": {"range": [1.75, 1.85]}},
      {"scenario": "tiny.yaml", "load": "20 rps", "metric": "p50, base, wrong", "unit": "ms", "published": 12,
       "simulated": "base.p50", "tolerance": {"abs": 1}},
      {"scenario": "tiny.yaml", "load": "20 rps", "metric": "max, mesh", "unit": "ms", "published": 30,
       "simulated": "mesh.max", "tolerance": {"none": "ordering only"}}
    ]}]}
    """

    static let document = """
    # A page

    Text before.

    <!-- VALIDATION TABLE BEGIN -->
    stale table
    <!-- VALIDATION TABLE END -->

    Text after.

    """

    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("validation-table-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("scn"), withIntermediateDirectories: true)
        try Self.scenario.write(to: dir.appendingPathComponent("scn/tiny.yaml"), atomically: true, encoding: .utf8)
        try Self.figures.write(to: dir.appendingPathComponent("figures.json"), atomically: true, encoding: .utf8)
        try Self.document.write(to: dir.appendingPathComponent("doc.md"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func tool(_ topsim: String) throws -> (status: Int32, err: String) {
        let args = ["tools/validation-table.py", topsim, "--doc", dir.appendingPathComponent("doc.md").path,
                    "--figures", dir.appendingPathComponent("figures.json").path,
                    "--scenarios", dir.appendingPathComponent("scn").path]
        let r = try Command.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + args, in: TopsimBinary.packageRoot)
        return (r.status, r.stderr)
    }

    func document() throws -> String {
        try String(contentsOf: dir.appendingPathComponent("doc.md"), encoding: .utf8)
    }

    func testTheTableHoldsTheHandDerivedValues() throws {
        let r = try tool(try TopsimBinary.url().path)
        XCTAssertEqual(r.status, 0, r.err)
        let text = try document()
        XCTAssertTrue(text.hasPrefix("# A page\n\nText before.\n\n<!-- VALIDATION TABLE BEGIN -->\n"), text)
        XCTAssertTrue(text.hasSuffix("<!-- VALIDATION TABLE END -->\n\nText after.\n"), text)
        XCTAssertFalse(text.contains("stale table"))
        let link = "[tiny-pub](https://example.org/tiny) | 20 rps"
        for row in [
            "\(link) | p50, base | 10 ms | 10 ms | 1 | yes | ± 0.500 ms |",
            "\(link) | added p50, mesh | 8 ms | 8 ms | 1 | yes | ± 0.500 ms |",
            "\(link) | p99, mesh / base | 1.80× | 1.80× | 1 | yes | [1.75, 1.85] |",
            "\(link) | p50, base, wrong | 12 ms | 10 ms | 1.20 | **no** | ± 1 ms |",
            "\(link) | max, mesh | 30 ms | 18.0 ms | 1.67 | – | ordering only |",
        ] {
            XCTAssertTrue(text.contains("| " + row), "missing row \(row) in\n\(text)")
        }
        XCTAssertTrue(text.contains("3 of 4 checked figures within tolerance"), text)
    }

    func testWithoutMarkersNothingIsWritten() throws {
        try "# A page without markers\n".write(to: dir.appendingPathComponent("doc.md"), atomically: true, encoding: .utf8)
        let r = try tool(try TopsimBinary.url().path)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.contains("needs one '<!-- VALIDATION TABLE BEGIN -->'"), r.err)
        XCTAssertEqual(try document(), "# A page without markers\n")
    }

    func testAFailedRunLeavesTheDocumentAsItWas() throws {
        let r = try tool("/bin/false")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("exit status 1"), r.err)
        XCTAssertEqual(try document(), Self.document)
    }
}

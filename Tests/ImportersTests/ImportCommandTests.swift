import Foundation
import TestSupport
import XCTest

/// The `topsim import` command as users run it: files written, notes, errors and exit codes.
final class ImportCommandTests: XCTestCase {
    func testIsotopeToFileValidatesAndNotesOnStderr() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("shop.yaml").path
        let r = try TopsimBinary.run(["import", "isotope", Fixtures.path("isotope/shop.yaml"), "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.contains("note: shop.yaml: request and response sizes are not mapped"), r.stderr)
        let v = try TopsimBinary.run(["validate", out])
        XCTAssertEqual(v.status, 0, v.stderr)
        XCTAssertTrue(v.stdout.contains("ok (6 services, 4 topologies"), v.stdout)
        // Nothing but the scenario is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["shop.yaml"])
    }

    /// `-o` into folders that do not exist yet (docs/getting-started.md writes
    /// `-o mine/scenario.yaml`): they are made. A failing import leaves none behind.
    func testOutputFoldersAreMadeAndNotLeftOnFailure() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try TopsimBinary.run(["import", "traces", Fixtures.path("traces/zipkin.json"),
                                      "-o", dir.appendingPathComponent("mine/sub/scenario.yaml").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("mine/sub").path).sorted(),
                       ["samples-api.csv", "samples-db.csv", "samples-web.csv", "scenario.yaml"])
        let bad = try TopsimBinary.run(["import", "isotope", Fixtures.path("isotope/broken.yaml"),
                                        "-o", dir.appendingPathComponent("other/x.yaml").path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["mine"])
    }

    func testBadInputExitsTwoAndWritesNothing() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = Fixtures.path("isotope/broken.yaml")
        let r = try TopsimBinary.run(["import", "isotope", file, "-o", dir.appendingPathComponent("x.yaml").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "\(file):6:11: error: cannot call undefined service 'nope'\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }

    func testTracesWriteSamplesNextToTheScenario() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("z.yaml").path
        let r = try TopsimBinary.run(["import", "traces", Fixtures.path("traces/zipkin.json"), "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["samples-api.csv", "samples-db.csv", "samples-web.csv", "z.yaml"])
        XCTAssertEqual(try TopsimBinary.run(["validate", out]).status, 0)
        // With stdout, the samples go to the current folder.
        let r2 = try TopsimBinary.run(["import", "traces", Fixtures.path("traces/zipkin.json")], in: dir)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(r2.stdout.contains("service_time: empirical(samples-web.csv)"))
    }
}

import Foundation
import Report
import TestSupport
import XCTest

/// `topsim check` end to end, through the built binary: exit codes, the last line,
/// the JUnit file, fingerprints and baselines as a CI job would use them.
final class CheckCommandTests: XCTestCase {
    struct Outcome { var status: Int32; var stdout: String; var stderr: String }

    func topsim(_ args: [String], in dir: URL) throws -> Outcome {
        let r = try TopsimBinary.run(["check"] + args, in: dir)
        return Outcome(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("topsim-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("suite/nested"), withIntermediateDirectories: true)
        let pass = Support.mm1(replications: 2, duration: "10s", name: "pass",
                               expect: ["direct.success_rate == 100%", "*.mean < 1s"])
        let fail = Support.mm1(replications: 1, duration: "10s", name: "fail",
                               expect: ["direct.mean < 1ms", "direct.success_rate >= 99%"])
        try pass.write(to: dir.appendingPathComponent("suite/pass.yaml"), atomically: true, encoding: .utf8)
        try fail.write(to: dir.appendingPathComponent("suite/nested/fail.yaml"), atomically: true, encoding: .utf8)
        try Support.mm1(name: "bad", expect: ["direct.p5O < 10ms"])
            .write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func lastLine(_ s: String) -> String { s.split(separator: "\n").last.map(String.init) ?? "" }

    func testExitCodes() throws {
        let ok = try topsim(["suite/pass.yaml", "--junit", "out/junit.xml", "--jobs", "2"], in: dir)
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        XCTAssertEqual(lastLine(ok.stdout), "2 passed, 0 failed")
        XCTAssertTrue(ok.stdout.contains("direct.mean < 1s: "), ok.stdout)
        XCTAssertTrue(ok.stdout.contains(" ± "), ok.stdout)
        let junit = try String(contentsOf: dir.appendingPathComponent("out/junit.xml"), encoding: .utf8)
        XCTAssertEqual(XMLCollector.parse(junit)?.all("testcase").count, 2)

        // A directory means every *.yaml below it, sorted: nested/fail.yaml before pass.yaml.
        let some = try topsim(["suite", "--junit", "junit.xml"], in: dir)
        XCTAssertEqual(some.status, 1, some.stdout + some.stderr)
        XCTAssertEqual(lastLine(some.stdout), "3 passed, 1 failed")
        XCTAssertLessThan(some.stdout.range(of: "nested/fail.yaml")!.lowerBound, some.stdout.range(of: "suite/pass.yaml")!.lowerBound)
        XCTAssertTrue(some.stdout.contains("direct.mean < 1ms: "), some.stdout)
        XCTAssertTrue(some.stdout.contains("FAIL"), some.stdout)
        let doc = try XCTUnwrap(XMLCollector.parse(try String(contentsOf: dir.appendingPathComponent("junit.xml"), encoding: .utf8)))
        XCTAssertEqual(doc.all("testsuite").map { $0["name"] ?? "" }, ["fail", "pass"])
        XCTAssertEqual(doc.all("failure").count, 1)

        // One invalid file: its diagnostics, exit 2, nothing run and no file written.
        let bad = try topsim(["suite", "bad.yaml", "--junit", "bad-junit.xml"], in: dir)
        XCTAssertEqual(bad.status, 2, bad.stdout + bad.stderr)
        XCTAssertEqual(bad.stdout, "")
        XCTAssertTrue(bad.stderr.contains("bad.yaml:\(Support.line(of: "p5O", in: Support.mm1(expect: ["direct.p5O < 10ms"]))):"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains(": error: "), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad-junit.xml").path))

        let missing = try topsim(["nowhere.yaml"], in: dir)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("nowhere.yaml"), missing.stderr)
    }

    func testFingerprintAndBaselineWorkflow() throws {
        // No stored fingerprints yet: new, not failures.
        let first = try topsim(["suite/pass.yaml", "--fingerprints", "fp.json"], in: dir)
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertTrue(first.stdout.contains("fingerprint direct: "), first.stdout)
        XCTAssertTrue(first.stdout.contains("NEW"), first.stdout)

        let update = try topsim(["suite/pass.yaml", "--fingerprints", "fp.json", "--update-fingerprints"], in: dir)
        XCTAssertEqual(update.status, 0, update.stdout + update.stderr)
        XCTAssertEqual(lastLine(update.stdout), "3 passed, 0 failed")
        let stored = try String(contentsOf: dir.appendingPathComponent("fp.json"), encoding: .utf8)
        XCTAssertEqual(try FingerprintStore.parse(stored).scenarios["pass"]?.topologies["direct"]?.count, 2)

        let same = try topsim(["suite/pass.yaml", "--fingerprints", "fp.json"], in: dir)
        XCTAssertEqual(same.status, 0, same.stdout + same.stderr)
        // Another seed is another trajectory: the fingerprint check names what changed.
        let changed = try topsim(["suite/pass.yaml", "--fingerprints", "fp.json", "--seed", "99"], in: dir)
        XCTAssertEqual(changed.status, 1, changed.stdout + changed.stderr)
        XCTAssertTrue(changed.stdout.contains("fingerprint direct: changed"), changed.stdout)
        XCTAssertEqual(lastLine(changed.stdout), "2 passed, 1 failed")

        // A stored `topsim run --out` result of the same model passes the baseline check.
        let run = try TopsimBinary.run(["run", "suite/pass.yaml", "--out", "base"], in: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        let base = try topsim(["suite/pass.yaml", "--baseline", "base", "--tolerance", "5%"], in: dir)
        XCTAssertEqual(base.status, 0, base.stdout + base.stderr)
        XCTAssertTrue(base.stdout.contains("baseline direct.mean_ms: "), base.stdout)
        XCTAssertEqual(lastLine(base.stdout), "\(2 + BaselineCheck.columns.count) passed, 0 failed")

        // A baseline directory that does not hold a summary.csv is invalid input.
        let noBase = try topsim(["suite/pass.yaml", "--baseline", "suite"], in: dir)
        XCTAssertEqual(noBase.status, 2)
        XCTAssertTrue(noBase.stderr.contains("summary.csv"), noBase.stderr)
        XCTAssertEqual(try topsim(["suite/pass.yaml", "--update-fingerprints"], in: dir).status, 2)
        XCTAssertEqual(try topsim(["suite/pass.yaml", "--tolerance", "lots"], in: dir).status, 2)
    }
}

import Foundation
import Report
import Scenario
import Topology
import XCTest

final class BaselineTests: XCTestCase {
    /// An unchanged model passes against its own stored result run with other seeds;
    /// a clearly slower server fails, on the latency and throughput-free columns it moves.
    func testPassesAgainstItselfWithAnotherSeedAndFailsAgainstAChange() throws {
        let stored = try Support.run(Support.mm1(seed: 1))
        let rows = try BaselineStore.parse(Reports.summaryCSV(stored))
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0].replications, 6)

        for seed: UInt64 in [2, 3] {
            let again = try Support.run(Support.mm1(seed: seed))
            let c = try XCTUnwrap(BaselineCheck.compare(again, baseline: rows))
            XCTAssertEqual(c.count, BaselineCheck.columns.count)
            XCTAssertTrue(c.allSatisfy(\.passed), "seed \(seed): " + CheckCase.baseline(c).map { "\($0.name) \($0.detail)" }.joined(separator: "\n"))
            // Another seed does move the numbers: the test judged a real difference.
            XCTAssertTrue(c.contains { $0.column == "mean_ms" && $0.current.mean != $0.baseline!.mean })
        }

        // 10ms -> 13ms service time: mean response 20ms -> about 37ms at 50/s.
        let slower = try Support.run(Support.mm1(serviceTime: "exp(13ms)", seed: 2))
        let c = try XCTUnwrap(BaselineCheck.compare(slower, baseline: rows))
        let failed = Set(c.filter { !$0.passed }.map(\.column))
        XCTAssertTrue(failed.isSuperset(of: ["mean_ms", "p50_ms", "p99_ms"]), "\(failed)")
        XCTAssertFalse(failed.contains("errors_timeout"))
        let cases = CheckCase.baseline(c)
        XCTAssertEqual(cases.first { $0.name == "baseline direct.mean_ms" }?.status, .fail)
        XCTAssertTrue(cases.first { $0.name == "baseline direct.mean_ms" }!.message!.hasPrefix("measured "))

        // A flat tolerance wide enough absorbs even that change.
        let tolerant = try XCTUnwrap(BaselineCheck.compare(slower, baseline: rows, tolerance: 2))
        XCTAssertTrue(tolerant.allSatisfy(\.passed))
    }

    func testScenarioOrTopologyWithoutBaselineIsNew() throws {
        let r = try Support.run(Support.twoTopologies(expect: [], replications: 2, seed: 1))
        var rows = try BaselineStore.parse(Reports.summaryCSV(r))
        XCTAssertNil(try BaselineCheck.compare(r, baseline: rows.map { var x = $0; x.scenario = "other"; return x }))
        rows.removeAll { $0.topology == "mesh" }
        let c = try XCTUnwrap(BaselineCheck.compare(r, baseline: rows))
        XCTAssertTrue(c.filter { $0.topology == "mesh" }.allSatisfy { $0.baseline == nil && $0.passed })
        XCTAssertEqual(CheckCase.baseline(c).filter { $0.status == .new }.count, BaselineCheck.columns.count)
        // Same seed, same model: identical, nothing moved.
        XCTAssertTrue(c.filter { $0.topology == "direct" }.allSatisfy { $0.pValue == 1 && $0.passed })
    }


    func testToleranceMarginAndSingleReplications() {
        // 100 vs 104 with a tight spread: significant without a margin, not with 5%.
        let tight = BaselineCheck.pValue(m0: 100, m1: 104, v0: 1, n0: 5, v1: 1, n1: 5, tolerance: 0)
        XCTAssertLessThan(tight, 1e-3)
        XCTAssertEqual(BaselineCheck.pValue(m0: 100, m1: 104, v0: 1, n0: 5, v1: 1, n1: 5, tolerance: 0.05), 1)
        // A wide spread explains the same move.
        XCTAssertGreaterThan(BaselineCheck.pValue(m0: 100, m1: 104, v0: 100, n0: 5, v1: 100, n1: 5, tolerance: 0), 0.3)
        // One replication on both sides: no estimate of chance, any move beyond the margin counts.
        XCTAssertEqual(BaselineCheck.pValue(m0: 100, m1: 100.5, v0: nil, n0: 1, v1: nil, n1: 1, tolerance: 0), 0)
        XCTAssertEqual(BaselineCheck.pValue(m0: 100, m1: 100.5, v0: nil, n0: 1, v1: nil, n1: 1, tolerance: 0.01), 1)
        // A side without a spread borrows the other's.
        let borrowed = BaselineCheck.pValue(m0: 100, m1: 104, v0: nil, n0: 1, v1: 100, n1: 5, tolerance: 0)
        XCTAssertGreaterThan(borrowed, 0.3)
    }

    func testReadsBaselineDirectoriesAndQuotedCSV() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("topsim-baseline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Support.run(Support.twoTopologies(expect: [], replications: 2))
        try writeAtomically([("summary.csv", Reports.summaryCSV(r))], to: dir.appendingPathComponent("tiny").path)
        let header = Reports.summaryCSV(r).components(separatedBy: "\r\n")[0]
        let quoted = "\"name, with \"\"quotes\"\"\",\"edge\"\"s\"," + String(repeating: "1,", count: header.split(separator: ",").count - 3) + "1\r\n"
        try writeAtomically([("summary.csv", header + "\r\n" + quoted)], to: dir.appendingPathComponent("other").path)
        let rows = try BaselineStore.load(dir: dir.path)
        XCTAssertEqual(rows.map(\.topology).sorted(), ["direct", "edge\"s", "mesh"])
        XCTAssertEqual(rows.first { $0.topology == "edge\"s" }?.scenario, "name, with \"quotes\"")
        XCTAssertThrowsError(try BaselineStore.load(dir: dir.appendingPathComponent("nothing").path))
        XCTAssertThrowsError(try BaselineStore.parse("a,b\r\n1,2\r\n"))
    }
}

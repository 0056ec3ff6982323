import Foundation
import Report
import Scenario
import SimCore
import TestSupport
import Topology
import XCTest

/// Every output file of one multi-topology run, byte for byte, against goldens kept in git:
/// the guard of the performance work (issue 18). An optimisation that changes any result
/// (an event's order, a random draw, a quantile's bucket, a window's boundary) changes a
/// byte of these files and fails here. A change that is meant to move results rewrites
/// them with UPDATE_GOLDEN=1 (review the diff).
///
/// The scenario (Goldens/output-golden.yaml) is the built-in comparison on 40 s with two
/// replications and its three faults inside the run: five topologies, fan-out, retries,
/// route timeouts that fire (the node-down leaves calls hanging until their 2 s timeout),
/// outlier detection, rate limits and a profile, windows of the default 1 s.
final class OutputGoldenTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")

    /// The files of `topsim run`, as `Reports.files` makes them; run.json's wall time (the
    /// one value that differs between two runs) is blanked.
    func outputs(jobs: Int) throws -> [(name: String, contents: String)] {
        let text = try String(contentsOf: Self.dir.appendingPathComponent("output-golden.yaml"), encoding: .utf8)
        let s = try ScenarioLoader.parse(text: text, fileName: "output-golden.yaml", directory: nil)
        let r = try Runner.run(s, options: Runner.Options(jobs: jobs))
        return Reports.files(r).map { f in
            guard f.name == "run.json" else { return f }
            let blanked = f.contents.replacingOccurrences(
                of: #""wall_time_s" : [0-9.e+-]+"#, with: #""wall_time_s" : 0"#, options: .regularExpression)
            return (f.name, blanked)
        }
    }

    func testEveryOutputFileIsByteIdenticalToItsGolden() throws {
        let files = try outputs(jobs: 2)
        // summary, timeseries, hops, services, proxies, run.json, report.html, faults.
        XCTAssertEqual(files.map(\.name).sorted(),
                       ["faults.csv", "hops.csv", "proxies.csv", "report.html", "run.json", "services.csv",
                        "summary.csv", "timeseries.csv"])
        for f in files {
            if let why = try Golden.mismatch(f.contents, golden: Self.dir.appendingPathComponent(f.name)) {
                XCTFail(why)
            }
        }
        // The golden is not vacuous: 5 topologies x 40 windows of 1 s, plus the header.
        let series = try XCTUnwrap(files.first { $0.name == "timeseries.csv" }).contents
        XCTAssertEqual(series.split(separator: "\r\n").count, 5 * 40 + 1)
        // Route timeouts fired (the node-down's hung calls): a timeout column is not all zero.
        let summary = try XCTUnwrap(files.first { $0.name == "summary.csv" }).contents
        let rows = summary.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let col = try XCTUnwrap(rows[0].firstIndex(of: "errors_timeout"))
        XCTAssertTrue(rows.dropFirst().contains { Double($0[col]) ?? 0 > 0 }, summary)
    }

    func testOneJobGivesTheSameBytes() throws {
        let a = try outputs(jobs: 1), b = try outputs(jobs: 2)
        XCTAssertEqual(a.map(\.name), b.map(\.name))
        for (x, y) in zip(a, b) { XCTAssertEqual(x.contents, y.contents, x.name) }
    }
}

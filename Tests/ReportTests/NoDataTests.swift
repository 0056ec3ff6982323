import Foundation
import XCTest
@testable import Report
import Scenario

/// An expectation on a metric with no samples fails with "no data": zero finished
/// requests must not read as a 100% success rate or a 0 ms p99.
final class NoDataTests: XCTestCase {
    /// Every request takes an hour: none finishes in a 2s run.
    static let stuck = Support.twoTopologies(expect: [
        "direct.success_rate >= 99%", "mesh.p99 < 60ms", "direct.errors.timeout == 0", "direct.requests == 0",
        "direct.p50 < mesh.p50", "direct.success_rate in [0s, 1s] >= 99%",
    ], serviceTime: "const(1h)", duration: "3s")

    func testMetricsWithoutSamplesFail() throws {
        let r = try Support.run(Self.stuck)
        let outcomes = ExpectationCheck.evaluate(r)
        let byText = Dictionary(outcomes.map { ($0.text, $0) }, uniquingKeysWith: { a, _ in a })
        for text in ["direct.success_rate >= 99%", "mesh.p99 < 60ms", "direct.p50 < mesh.p50",
                     "direct.success_rate in [0s, 1s] >= 99%"] {
            let o = try XCTUnwrap(byText[text], text)
            XCTAssertFalse(o.passed, text)
            XCTAssertTrue(o.problem?.hasPrefix("no data: ") ?? false, "\(text): \(o.problem ?? "nil")")
        }
        XCTAssertTrue(byText["mesh.p99 < 60ms"]?.problem?.contains("no request succeeded") ?? false)
        XCTAssertTrue(byText["direct.success_rate in [0s, 1s] >= 99%"]?.problem?.contains("in [0s, 1s]") ?? false)
        // Counts are measurements even when they are zero.
        XCTAssertTrue(byText["direct.errors.timeout == 0"]?.passed ?? false)
        XCTAssertTrue(byText["direct.requests == 0"]?.passed ?? false)
        let cases = CheckCase.expectations(r)
        XCTAssertEqual(cases.filter(\.failed).count, 4)
        XCTAssertTrue(cases.contains { $0.message?.contains("no data") ?? false })
    }

    func testMetricsWithSamplesAreJudgedAsBefore() throws {
        let r = try Support.run(Support.twoTopologies(expect: ["direct.success_rate >= 99%", "mesh.p99 < 60ms"], duration: "3s"))
        XCTAssertTrue(ExpectationCheck.evaluate(r).allSatisfy { $0.passed && $0.problem == nil })
    }
}

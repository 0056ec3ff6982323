import Foundation
@testable import Report
import TestSupport
import XCTest

/// `topsim check`'s text: verdicts in one column however long the expectation, and
/// `validate`'s counts with the right noun.
final class CheckTextTests: XCTestCase {
    /// A 100-character expectation wraps at spaces within the 72-column label: the
    /// verdicts of the short and the long line start in the same column (2 + 72 + 2 = 76).
    func testVerdictsStayInOneColumnOnLongLines() {
        let long = "direct.success_rate in [40s, 70s] >= 99.5% and this expectation is written to be very long indeed"
        let c = ScenarioCheck(file: "x.yaml", scenario: "x", replications: 1, seed: 1, wallSeconds: 0, cases: [
            CheckCase(kind: .expectation, name: "direct.p50 < 10ms", status: .pass, detail: "3.2ms"),
            CheckCase(kind: .expectation, name: long, status: .fail, detail: "97.1%", message: "measured 97.1%", line: 3, column: 5),
        ])
        let lines = CheckText.scenario(c).split(separator: "\n").map(String.init)
        let verdicts = lines.filter { $0.hasSuffix("PASS") || $0.hasSuffix("FAIL") }
        XCTAssertEqual(verdicts.count, 2, lines.joined(separator: "\n"))
        XCTAssertEqual(Set(verdicts.map(\.count)), [2 + 72 + 2 + 4], lines.joined(separator: "\n"))
        // Nothing is lost: the wrapped pieces put back together are the label.
        let at = lines.firstIndex { $0.hasPrefix("  direct.success_rate") }!
        let pieces = lines[at...].prefix { !$0.hasPrefix("    x.yaml") }
        var joined = pieces.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        XCTAssertTrue(joined.hasSuffix("  FAIL"), joined)
        joined.removeLast("FAIL".count)
        XCTAssertEqual(joined.trimmingCharacters(in: .whitespaces), long + ": 97.1%")
        // Continuation lines are indented by four beyond the label.
        XCTAssertTrue(lines[at + 1].hasPrefix("      "), lines[at + 1])
    }

    func testWrapCutsAtSpacesAndLongWordsWhereTheyMust() {
        // width 12: "aaa bbb ccc" fits (11); "aaa bbb ccc ddd" (15) cuts after "ccc".
        XCTAssertEqual(CheckText.wrap("aaa bbb ccc", width: 12), ["aaa bbb ccc"])
        XCTAssertEqual(CheckText.wrap("aaa bbb ccc ddd", width: 12), ["aaa bbb ccc", "    ddd"])
        // One 20-letter word: 12 letters, then the other 8 on a continuation of width 12 - 4.
        XCTAssertEqual(CheckText.wrap(String(repeating: "x", count: 20), width: 12),
                       [String(repeating: "x", count: 12), "    " + String(repeating: "x", count: 8)])
    }

    /// `validate` says "1 service, 1 topology, 0 faults, 1 expectation".
    func testValidateCountsInTheRightNumber() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("topsim-plural-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Support.mm1(name: "one", expect: ["direct.success_rate > 0%"])
            .write(to: dir.appendingPathComponent("one.yaml"), atomically: true, encoding: .utf8)
        let r = try TopsimBinary.run(["validate", "one.yaml"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("one.yaml: ok (1 service, 1 topology, 0 faults, 1 expectation)"), r.stdout)
    }
}

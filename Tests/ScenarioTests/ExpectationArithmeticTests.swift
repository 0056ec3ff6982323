import Foundation
import XCTest
@testable import Scenario

/// `expect:` lines with a difference (`a.p50 - b.p50`) or a factor (`1.5 * b.p99`):
/// what they parse to, and where a wrong one is reported (FILE:LINE:COLUMN).
final class ExpectationArithmeticTests: XCTestCase {
    /// A difference can be negative, so its bound can be: `-5ms` is −5,000,000 ns and `-1%`
    /// is −0.01. A metric alone cannot be below zero: its bound keeps the units' error.
    func testABoundOnADifferenceMayBeNegative() throws {
        let s = try XCTUnwrap(parseValid(minimalScenario + """
        expect:
          - mesh.p50 - direct.p50 > -5ms
          - mesh.success_rate - direct.success_rate >= -1%

        """))
        XCTAssertEqual(s.expectations[0].rhs, .value(.duration(-5_000_000)))
        XCTAssertEqual(s.expectations[1].rhs, .value(.fraction(-0.01)))
        XCTAssertThrowsError(try ScenarioLoader.parse(text: minimalScenario + """
        expect:
          - mesh.p50 > -5ms

        """, fileName: "neg.yaml")) { e in
            XCTAssertTrue("\(e)".contains("cannot be negative"), "\(e)")
        }
    }

    func testForms() throws {
        let s = try XCTUnwrap(parseValid(minimalScenario + """
        expect:
          - mesh.p99 >= 1.5 * direct.p99
          - mesh.p50 - direct.p50 >= 2 * (mesh.p99 - direct.p99)
          - mesh.p50 - direct.p50 < 3ms
          - mesh.p50 - direct.p50 <= mesh.p99 - direct.p99
          - (mesh.p50 - direct.p50) < 3ms in [10s, 20s]
          - "*.p99 <= 0.25 * direct.p99"
          - mesh.p50 < direct.p50

        """))
        let e = s.expectations
        let p = { (t: String, m: Metric) in MetricRef(topology: .named(t), metric: m) }
        XCTAssertEqual(e[0].lhs, p("mesh", .p99))
        XCTAssertEqual(e[0].rhs, .metric(p("direct", .p99)))
        XCTAssertEqual(e[0].factor, 1.5)
        XCTAssertNil(e[0].lhsMinus)
        XCTAssertNil(e[0].rhsMinus)
        XCTAssertEqual(e[1].lhsMinus, p("direct", .p50))
        XCTAssertEqual(e[1].rhs, .metric(p("mesh", .p99)))
        XCTAssertEqual(e[1].rhsMinus, p("direct", .p99))
        XCTAssertEqual(e[1].factor, 2)
        XCTAssertEqual(e[1].op, .ge)
        XCTAssertEqual(e[2].rhs, .value(.duration(3_000_000)))
        XCTAssertEqual(e[2].lhsMinus, p("direct", .p50))
        XCTAssertEqual(e[3].factor, 1)
        XCTAssertEqual(e[3].rhsMinus, p("direct", .p99))
        XCTAssertEqual(e[4].lhsMinus, p("direct", .p50))
        XCTAssertEqual(e[4].window, TimeWindow(start: 10_000_000_000, end: 20_000_000_000))
        XCTAssertEqual(e[5].lhs.topology, .all)
        XCTAssertEqual(e[5].factor, 0.25)
        // Plain lines are unchanged: no arithmetic.
        XCTAssertFalse(e[6].hasArithmetic)
        XCTAssertTrue(e[0].hasArithmetic && e[2].hasArithmetic && e[3].hasArithmetic)
    }

    /// Each mistake once, with the column it points at. The line `  - TEXT` puts TEXT at
    /// column 5 (line 12 of minimalScenario + "expect:"), so column = 5 + offset in TEXT.
    func testMistakesPointAtTheirPlace() {
        let cases: [(text: String, says: String, column: Int)] = [
            // "mesh.p50 - " is 11 characters: the value starts at offset 11.
            ("mesh.p50 - 1ms < direct.p50", "not a value ('1ms')", 5 + 11),
            // "mesh.p99 >= 2 * " is 16 characters: the unparenthesised difference starts there.
            ("mesh.p99 >= 2 * mesh.p50 - direct.p50", "put the difference in parentheses", 5 + 16),
            ("mesh.p99 >= 0 * direct.p99", "a factor is a positive plain number", 5 + 12),
            ("mesh.p99 >= 2ms * direct.p99", "a factor is a positive plain number", 5 + 12),
            // "mesh.p50 - " again: the subtracted metric is of another kind.
            ("mesh.p50 - direct.success_rate < 1ms", "cannot subtract success_rate (a fraction) from p50 (a duration)", 5 + 11),
            ("mesh.p99 >= 2 * (mesh.p50 - direct.p50", "missing ')'", 5 + 38),
            ("2 * mesh.p99 <= direct.p99", "a factor scales the right-hand side", 5),
            ("mesh.p50 < direct.p50 + 1ms", "this arithmetic is not supported", 5 + 22),
            ("mesh.p50 < direct.p50 / 2", "this arithmetic is not supported", 5 + 22),
            ("mesh.p99 >= 2 * direct.success_rate", "cannot compare p99 (a duration) with success_rate (a fraction)", 5 + 16),
            ("mesh.p50 - direct.p50 < mesh.throughput", "cannot compare p50 (a duration) with throughput (a rate)", 5 + 24),
        ]
        for c in cases {
            let ds = diagnostics(minimalScenario + "expect:\n  - \(c.text)\n")
            XCTAssertEqual(ds.count, 1, c.text)
            guard let d = ds.first else { continue }
            XCTAssertTrue(d.message.contains(c.says), "\(c.text): \(d.message)")
            XCTAssertEqual([d.line, d.column], [12, c.column], "\(c.text): \(d.message)")
        }
        // `*` inside a difference; the line is quoted (YAML alias), so one more column.
        let star = diagnostics(minimalScenario + "expect:\n  - \"*.p50 - direct.p50 < 1ms\"\n")
        XCTAssertTrue(star.first?.message.contains("'*' (every topology) cannot be part of a difference") == true,
                      star.first?.message ?? "parsed")
        XCTAssertEqual(star.first.map { [$0.line, $0.column] }, [12, 6])
    }

    /// An SLO (`topsim capacity --slo`) stays METRIC OP VALUE.
    func testSLOsTakeNoArithmetic() {
        // `*.p99` is the only metric an SLO could name (it has no topologies).
        guard case .failure(let e) = SLOParser.parse("p99 < 2 * *.p99") else { return XCTFail("parsed") }
        XCTAssertTrue(e.message.contains("an SLO compares a metric with a value"), e.message)
    }
}

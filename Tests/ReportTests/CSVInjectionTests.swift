import Foundation
import XCTest
@testable import Report

/// OWASP CSV injection: a cell a spreadsheet would run as a formula is written as text.
final class CSVInjectionTests: XCTestCase {
    func testFormulaCellsAreNeutralisedAndNumbersAreNot() {
        for cell in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "\u{FF1D}1", "=HYPERLINK(\"http://x\")", "-inf", "+"] {
            let out = csvField(cell)
            XCTAssertTrue(out.hasPrefix("\"'"), "\(cell.debugDescription) written as \(out.debugDescription)")
        }
        for plain in ["-3.5", "+2", "1e-3", "-0.000", "0", "mesh", "p99_ms", ""] {
            XCTAssertEqual(csvField(plain), plain)
        }
        // A quote before a formula gets one more, so that reading back is unambiguous.
        XCTAssertEqual(csvField("'=x"), "\"''=x\"")
        XCTAssertEqual(csvField("'plain"), "'plain")
        for s in ["=1+1", "'=x", "''=y", "'plain", "-2+3", "@a,b"] {
            let written = csvField(s)
            let unquoted = written.hasPrefix("\"")
                ? String(written.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") : written
            XCTAssertEqual(CSVFormula.restore(unquoted), s)
        }
    }

    /// Every CSV of a run whose names start like formulas: no cell does any more, and a
    /// baseline read back from summary.csv still knows the names.
    func testEveryCSVOfARunIsNeutralised() throws {
        let yaml = """
        scenario: "=cmd|' /C calc'!A0"
        duration: 2s
        services:
          "@svc": { replicas: 2, service_time: exp(1ms) }
        traffic:
          - { name: "+src", to: "@svc", rate: 50/s }
        topologies:
          - { name: "=direct", kind: none }
          - { name: "-mesh", kind: sidecar }
        faults:
          - { at: 500ms, for: 500ms, kind: crash, target: "@svc/0" }

        """
        let r = try Support.run(yaml)
        let files = Reports.files(r) + [("verdict.csv", Verdict.evaluate(result: r).csv())]
        var cells = 0
        for (name, text) in files where name.hasSuffix(".csv") {
            for record in try CSVReader.records(text, file: name) {
                for cell in record {
                    cells += 1
                    XCTAssertFalse(CSVFormula.isFormula(cell), "\(name): formula cell \(cell.debugDescription)")
                }
            }
        }
        XCTAssertGreaterThan(cells, 100)
        let rows = try BaselineStore.parse(Reports.summaryCSV(r))
        XCTAssertEqual(Set(rows.map(\.topology)), ["=direct", "-mesh"])
        XCTAssertEqual(rows.first?.scenario, "=cmd|' /C calc'!A0")
    }
}

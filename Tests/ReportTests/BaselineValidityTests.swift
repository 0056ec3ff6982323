import Foundation
import XCTest
@testable import Report

/// A baseline is evidence: values that are not finite numbers and impossible replication
/// counts are input errors (exit 2), never silently compared (NaN passes every test).
final class BaselineValidityTests: XCTestCase {
    static let header = "scenario,topology,kind,replications,requests,succeeded,success_rate,throughput_rps,mean_ms,p50_ms,p99_ms,errors_timeout,errors_unavailable,errors_refused,errors_tls,errors_rate_limited"

    func row(replications: String = "1", successRate: String = "0.99", p99: String = "12.5") -> String {
        "s,direct,none,\(replications),100,99,\(successRate),10.0,5.0,4.0,\(p99),0,1,0,0,0"
    }

    func testNonFiniteAndImpossibleValuesAreRejected() {
        XCTAssertNoThrow(try BaselineStore.parse(Self.header + "\r\n" + row() + "\r\n"))
        let bad: [(String, String)] = [
            (row(successRate: "nan"), "'success_rate' is nan"),
            (row(successRate: "NaN"), "'success_rate' is NaN"),
            (row(p99: "inf"), "'p99_ms' is inf"),
            (row(p99: "-infinity"), "'p99_ms' is -infinity"),
            (row(p99: "fast"), "'p99_ms' is 'fast', not a number"),
            (row(replications: "0"), "'replications' is '0'"),
            (row(replications: "-3"), "'replications' is '-3'"),
            (row(replications: "2.5"), "'replications' is '2.5'"),
            (row(replications: "many"), "'replications' is 'many'"),
        ]
        for (r, fragment) in bad {
            XCTAssertThrowsError(try BaselineStore.parse(Self.header + "\r\n" + r + "\r\n", file: "b/summary.csv"), r) { e in
                XCTAssertTrue("\(e)".contains("b/summary.csv:2: ") && "\(e)".contains(fragment), "\(e)")
            }
        }
        let ci = Self.header + ",p99_ms_ci95\r\n" + row() + ",-1\r\n"
        XCTAssertThrowsError(try BaselineStore.parse(ci)) { XCTAssertTrue("\($0)".contains("negative"), "\($0)") }
    }

    /// Through `topsim check --baseline`: invalid input, status 2, nothing compared.
    func testCheckRefusesAnInvalidBaseline() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("topsim-badbase-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("base"), withIntermediateDirectories: true)
        let yaml = Support.twoTopologies(expect: [], duration: "3s")
        let scenario = dir.appendingPathComponent("tiny.yaml").path
        try yaml.write(toFile: scenario, atomically: true, encoding: .utf8)
        let csv = Self.header + "\r\n" + "tiny,direct,none,1,100,99,nan,10.0,5.0,4.0,12.5,0,1,0,0,0\r\n"
        try csv.write(to: dir.appendingPathComponent("base/summary.csv"), atomically: true, encoding: .utf8)
        var errors: [String] = []
        let status = CheckRun.run([scenario], options: CheckOptions(baseline: dir.appendingPathComponent("base").path, jobs: 2),
                                  out: { _ in }, err: { errors.append($0) })
        XCTAssertEqual(status, CheckRun.exitInvalid)
        XCTAssertTrue(errors.joined().contains("'success_rate' is nan"), "\(errors)")
    }
}

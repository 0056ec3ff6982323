import Foundation
import XCTest
@testable import Scenario

/// Every hint the validator gives for a common mistake, as a table: the mistake, what its
/// message must say, and what it must not (the misleading hints of issue 21).
final class HintTableTests: XCTestCase {
    /// A valid scenario with two services (`web`, `payments`); each row replaces one of
    /// RATE, TARGET, EXPECT or TIME.
    static let base = """
        scenario: t
        duration: 1m
        services:
          web: { replicas: 2, service_time: TIME, calls: [payments] }
          payments: { replicas: 2, service_time: exp(1ms) }
        traffic:
          - { to: web, rate: RATE }
        topologies:
          - { name: direct, kind: none }
          - { name: mesh, kind: sidecar }
        faults:
          - { at: 10s, for: 5s, kind: crash, target: TARGET }
        expect:
          - "EXPECT"

        """

    struct Row {
        var mistake: String
        var field: String
        var value: String
        /// Every one must be in the one diagnostic.
        var says: [String]
        /// None may be.
        var never: [String] = []
    }

    static let rows: [Row] = [
        Row(mistake: "a rate in requests per second, as dashboards write it", field: "RATE", value: "300rps",
            says: ["a rate is written COUNT/UNIT, e.g. 300/s"], never: ["300rps/s"]),
        Row(mistake: "the same with a space", field: "RATE", value: "300 rps",
            says: ["e.g. 300/s"], never: ["rps/s"]),
        Row(mistake: "queries per second", field: "RATE", value: "50qps", says: ["e.g. 50/s"]),
        Row(mistake: "per minute as rpm", field: "RATE", value: "600rpm", says: ["e.g. 600/m"]),
        Row(mistake: "an unknown word after the number", field: "RATE", value: "300 things",
            says: ["needs a time unit, e.g. 300/s", "'things' is not one"], never: ["300 things/s"]),
        Row(mistake: "a bare number", field: "RATE", value: "300", says: ["'300' needs a time unit, e.g. 300/s"]),
        Row(mistake: "/sec for /s", field: "RATE", value: "300/sec", says: ["did you mean '300/s'?"]),
        Row(mistake: "what is counted before the slash", field: "RATE", value: "300req/s",
            says: ["write the number alone before the '/', e.g. 300/s"]),
        Row(mistake: "an instance written as its pod's name", field: "TARGET", value: "payments-0",
            says: ["an instance is written SERVICE/N", "did you mean 'payments/0'?"], never: ["did you mean 'payments'?"]),
        Row(mistake: "an unknown target: examples from this file", field: "TARGET", value: "nosuch",
            says: ["a service (web)", "an instance (web/0)"], never: ["(payment)", "payment/0"]),
        Row(mistake: "an instance of an unknown service", field: "TARGET", value: "paymnts/0",
            says: ["unknown service 'paymnts'", "did you mean 'payments'?"]),
        Row(mistake: "errors without a cause", field: "EXPECT", value: "mesh.errors > 0",
            says: ["'errors' needs one of errors.timeout, errors.unavailable, errors.refused, errors.tls",
                   "error_rate"], never: ["did you mean"]),
        Row(mistake: "arithmetic on the right", field: "EXPECT", value: "direct.p50 < mesh.p50 + 1ms",
            says: ["arithmetic is not supported", "\"a.p50 - b.p50 < 1ms\""], never: ["unexpected text"]),
        Row(mistake: "arithmetic glued to a metric", field: "EXPECT", value: "direct.p50 < mesh.p50+1ms",
            says: ["arithmetic is not supported"], never: ["unknown metric"]),
        Row(mistake: "a value subtracted on the left", field: "EXPECT", value: "direct.p50 - 1ms < mesh.p50",
            says: ["subtracts one TOPOLOGY.METRIC from another, not a value ('1ms')", "\"a.p50 - b.p50 < 1ms\""],
            never: ["expected a comparison"]),
        Row(mistake: "a lognormal tail no lognormal has", field: "TIME", value: "lognormal(mean: 1ms, p99: 100ms)",
            says: ["no lognormal has mean 1ms and p99 100ms", "use empirical(FILE)"]),
        Row(mistake: "a typo in a distribution's name", field: "TIME", value: "expo(1ms)",
            says: ["did you mean 'exp'?"]),
    ]

    static func scenario(replacing field: String, with value: String) -> String {
        let defaults = ["RATE": "10/s", "TARGET": "payments/0", "EXPECT": "direct.p50 < 1s", "TIME": "exp(1ms)"]
        var text = base
        for (k, v) in defaults { text = text.replacingOccurrences(of: k, with: k == field ? value : v) }
        return text
    }

    func testTheBaseScenarioIsValid() {
        XCTAssertNotNil(parseValid(Self.scenario(replacing: "", with: "")))
    }

    func testEveryMistakeGetsItsHint() {
        for row in Self.rows {
            let ds = diagnostics(Self.scenario(replacing: row.field, with: row.value))
            XCTAssertEqual(ds.count, 1, "\(row.mistake): \(ds.map(\.description))")
            guard let text = ds.first?.description else { continue }
            for s in row.says { XCTAssertTrue(text.contains(s), "\(row.mistake): '\(s)' missing from\n\(text)") }
            for s in row.never { XCTAssertFalse(text.contains(s), "\(row.mistake): '\(s)' must not be in\n\(text)") }
        }
    }

    /// A file that cannot be read says why, in the operating system's words.
    func testAnUnreadableFileSaysWhy() throws {
        XCTAssertThrowsError(try ScenarioLoader.load(path: "/nonexistent/x.yaml")) { e in
            XCTAssertEqual((e as? ScenarioErrors)?.diagnostics.first?.message,
                           "cannot read the file: No such file or directory")
        }
        // Root reads anything: the permission case can only be checked as another user.
        guard getuid() != 0 else { return }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("topsim-hint-\(getpid()).yaml")
        try "scenario: t\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        chmod(url.path, 0)
        XCTAssertThrowsError(try ScenarioLoader.load(path: url.path)) { e in
            XCTAssertEqual((e as? ScenarioErrors)?.diagnostics.first?.message, "cannot read the file: Permission denied")
        }
    }
}

import Foundation
import XCTest
@testable import Scenario

/// Validation rejects what the run could not hold or finish, with the position and a
/// way out; command-line values are checked by the same parser and limits.
final class LimitsTests: XCTestCase {
    func scenario(duration: String = "1s", top: String = "", services: String? = nil, traffic: String? = nil,
                  topologies: String = "  - { name: d, kind: none }\n", extra: String = "") -> String {
        "scenario: t\nduration: \(duration)\n\(top)services:\n"
            + (services ?? "  a: { replicas: 1, workers: 4, service_time: exp(1ms) }\n")
            + "traffic:\n" + (traffic ?? "  - { to: a, rate: 10/s }\n") + "topologies:\n" + topologies + extra
    }

    func expectError(_ text: String, at line: Int, _ column: Int, _ fragment: String,
                     file: StaticString = #filePath, sourceLine: UInt = #line) {
        let ds = diagnostics(text, file: file, line: sourceLine)
        XCTAssertTrue(ds.contains { $0.line == line && $0.column == column && $0.message.contains(fragment) },
                      "expected '\(fragment)' at \(line):\(column), got:\n\(ds.map(\.description).joined(separator: "\n"))",
                      file: file, line: sourceLine)
    }

    func testWindowsReplicationsAndInstancesAreBounded() {
        expectError(scenario(top: "window: 1ns\n"), at: 3, 1, "1.0e9 windows; at most 100000")
        expectError(scenario(duration: "11574d"), at: 2, 1, "use window: 10000s or longer")
        XCTAssertNotNil(parseValid(scenario(duration: "100us", top: "window: 1ns\n")))
        expectError(scenario(duration: "10ms", top: "replications: 10000\n"), at: 3, 1, "use at most 1365 replications")
        let many = (0..<11).map { "  s\($0): { replicas: 10000, service_time: exp(1ms) }\n" }.joined()
        expectError(scenario(services: many, traffic: "  - { to: s0, rate: 1/s }\n"), at: 3, 1, "110000 instances")
    }

    func testWorkAndPeriodsThatRoundToZeroAreRejected() {
        expectError(scenario(duration: "1h", traffic: String(repeating: "  - { to: a, rate: 1e9/s }\n", count: 2)),
                    at: 2, 1, "this run would simulate about")
        expectError(scenario(traffic: "  - { to: a, rate: 1e12/s }\n"), at: 6, 5, "a mean gap below 1ns")
        expectError(scenario(traffic: "  - { to: a, rate: 2e9/s, clients: 1 }\n"), at: 6, 5, "an interval below 1ns")
        let mesh = "  - { name: m, kind: sidecar }\n"
        expectError(scenario(topologies: mesh, extra: "control_plane:\n  certificates: { ttl: 1ns }\n"),
                    at: 10, 24, "rotated every 0.5ns")
        expectError(scenario(topologies: mesh, extra: "control_plane:\n  certificates: { ttl: 1s, rotate_at: 1e-10 }\n"),
                    at: 10, 39, "rotated every 0.1ns")
        expectError(scenario(topologies: "  - { name: g, kind: gateway }\n", extra: "policies:\n  health_check: { interval: 1ns }\n"),
                    at: 2, 1, "health checks every 1ns")
        // The load balancer's default checks (every 30 s) in a run with a gateway-down: over
        // 11574 days, 11574 × 86400 / 30 = 3.3e7 passes, times 2 replicas = 6.7e7 (accepted),
        // times 10000 replicas = 3.3e11 (rejected).
        let down = "faults:\n  - { at: 1s, for: 1s, kind: gateway-down }\n"
        let rare = "  - { to: a, rate: 1e-6/s }\n"
        XCTAssertNotNil(parseValid(scenario(duration: "11574d", top: "window: 10000s\n", traffic: rare,
                                            topologies: "  - { name: g, kind: gateway, replicas: 2 }\n", extra: down)))
        expectError(scenario(duration: "11574d", top: "window: 10000s\n", traffic: rare,
                             topologies: "  - { name: g, kind: gateway, replicas: 10000 }\n", extra: down),
                    at: 2, 1, "checks them every 30s")
        expectError(scenario(duration: "10s", services: "  a: { workers: 1, queue: unlimited, service_time: const(1s) }\n",
                             traffic: "  - { to: a, rate: 1000000/s }\n"), at: 4, 3, "would be waiting in its queue")
    }

    func testNumbersAndDurationsSayWhatIsWrong() {
        // The trial's messages: '1e15s' read as an unknown unit, '1e300' as not a number,
        // '+3+4' as starting with a digit.
        expectError(scenario(duration: "1e15s"), at: 2, 11, "'1e15s' is too long a duration (at most 11574d")
        expectError(scenario(services: "  a: { replicas: 1e300, service_time: exp(1ms) }\n"), at: 4, 18,
                    "'replicas' must be at most 10000, not 1e300")
        expectError(scenario(services: "  a: { service_time: \"lognormal(mean: 1ms, cv: 1e300)\" }\n"), at: 4, 22,
                    "'1e300' is too large a number")
        expectError(scenario(topologies: "  - { name: +3+4, kind: none }\n"), at: 8, 13, "may not start like a number")
        expectError(scenario(traffic: "  - { to: a, rate: 1e-10/s }\n"), at: 6, 20, "too small a rate")
        XCTAssertNotNil(parseValid(scenario(duration: "1.5e3ms", traffic: "  - { to: a, rate: 2.5E2/s }\n")))
    }

    func testShortRunsGetAWindowOfTheirLength() throws {
        let s = try XCTUnwrap(parseValid(scenario(duration: "100ms")))
        XCTAssertEqual(s.window, 100_000_000)
    }

    func testAliasesAreBoundedInBytes() {
        let long = String(repeating: "A", count: 1_000_000)
        let text = "scenario: &a \(long)\n" + scenario().split(separator: "\n").dropFirst().joined(separator: "\n")
            + "\nexpect:\n" + String(repeating: "  - *a\n", count: 30)
        let ds = diagnostics(text)
        XCTAssertTrue(ds.contains { $0.message.contains("expands to more than 16 MB of text") && $0.line > 10 }, "\(ds.prefix(3))")
    }

    func testControlCharactersInNamesAreRejectedAndNeverPrinted() {
        for (field, yaml) in [
            ("'scenario'", "scenario: \"t\\e]0;x\\a\"\nduration: 1s\nservices:\n  a: { service_time: exp(1ms) }\ntraffic:\n  - { to: a, rate: 1/s }\ntopologies:\n  - { name: d, kind: none }\n"),
            ("service name", scenario(services: "  \"a\\u009b\": { service_time: exp(1ms) }\n  a: { service_time: exp(1ms) }\n")),
            ("'name'", scenario(topologies: "  - { name: \"d\\u202e\", kind: none }\n")),
            ("'name'", scenario(traffic: "  - { name: \"t\\x07\", to: a, rate: 1/s }\n")),
            ("a zone name", scenario(top: "cluster:\n  nodes: 2\n  zones: [a, \"b\\x1b[2J\"]\n")),
        ] {
            let ds = diagnostics(yaml)
            XCTAssertTrue(ds.contains { $0.message.contains(field) && $0.message.contains("control character") }, "\(field): \(ds)")
            for d in ds { XCTAssertFalse(d.description.unicodeScalars.contains(where: ControlCharacters.isControl), d.description) }
        }
        // A paragraph keeps its line breaks; an escape sequence in it is still refused.
        XCTAssertNotNil(parseValid("description: |\n  two\n  lines\n" + scenario()))
        XCTAssertFalse(diagnostics("description: \"x\\e[2J\"\n" + scenario()).isEmpty)
        // Messages that quote the file escape what they quote.
        let unknown = diagnostics(scenario(extra: "\"bad\\e[2Jkey\": 1\n"))
        XCTAssertTrue(unknown.contains { $0.description.contains("bad\\u{1B}[2Jkey") }, "\(unknown)")
    }

    func testOverridesAreCheckedLikeTheFile() {
        func flagErrors(_ o: ScenarioOverrides, _ text: String? = nil) -> [String] {
            do { _ = try ScenarioLoader.parse(text: text ?? scenario(), fileName: "t.yaml", overrides: o); return [] } catch let e as ScenarioErrors {
                return e.diagnostics.map(\.description)
            } catch { return ["\(error)"] }
        }
        XCTAssertEqual(flagErrors(ScenarioOverrides(duration: "365000d")),
                       ["error: --duration: '365000d' is too long a duration (at most 11574d, about 31 years)"])
        XCTAssertEqual(flagErrors(ScenarioOverrides(duration: "0s")), ["error: --duration 0s: the run must be longer than 0s"])
        XCTAssertTrue(flagErrors(ScenarioOverrides(duration: "90"))[0].contains("needs a unit"))
        XCTAssertEqual(flagErrors(ScenarioOverrides(replications: 0)), ["error: --replications must be from 1 to 10000, not 0"])
        XCTAssertTrue(flagErrors(ScenarioOverrides(replications: 5000), scenario(duration: "10m", top: "window: 1m\n"))[0]
            .hasPrefix("error: --replications 5000: 5000 replications of 1 topology keep about"))
        // A fault after the shortened end is reported where it is, as for the file's own duration.
        let faulted = scenario(duration: "10s", extra: "faults:\n  - { at: 5s, kind: crash, target: a }\n")
        XCTAssertTrue(flagErrors(ScenarioOverrides(duration: "2s"), faulted).contains { $0.hasPrefix("t.yaml:10:") })
        XCTAssertEqual(flagErrors(ScenarioOverrides(duration: "2s", replications: 3)), [])
    }
}

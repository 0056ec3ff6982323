import Foundation
import Scenario
import Topology
import XCTest
@testable import Report

/// run.json goes through JSONEncoder: valid JSON whatever the names hold, keys sorted,
/// and the same bytes whatever --jobs (but for the wall time).
final class RunJSONTests: XCTestCase {
    func testRunJSONIsValidSortedAndIndependentOfJobs() throws {
        let yaml = Support.twoTopologies(expect: [], replications: 2)
            .replacingOccurrences(of: "scenario: tiny", with: "scenario: 'ti\"ny\\\\ /x'")
        let s = try Support.parse(yaml)
        let one = try Runner.run(s, options: Runner.Options(jobs: 1))
        let two = try Runner.run(s, options: Runner.Options(jobs: 2))
        let text = Reports.runJSON(one)

        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(obj["scenario"] as? String, "ti\"ny\\\\ /x")
        XCTAssertEqual(obj["seed"] as? Int, 1)
        XCTAssertEqual(obj["replications"] as? Int, 2)
        XCTAssertEqual(obj["warmup_s"] as? Double, 2)
        XCTAssertEqual(obj["simulated_s"] as? Double, 20)
        let tops = try XCTUnwrap(obj["topologies"] as? [[String: Any]])
        XCTAssertEqual(tops.map { $0["name"] as? String }, ["direct", "mesh"])
        XCTAssertEqual(tops[0]["fingerprints"] as? [String], one.topologies[0].runs.map(\.fingerprint.description))

        // Top-level keys in sorted order, two-space indentation, a final newline.
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }
            .map { String($0.dropFirst(3).prefix { $0 != "\"" }) }
        XCTAssertEqual(keys, ["events", "replication_seeds", "replications", "scenario", "scenario_file",
                              "scenario_sha256", "seed", "simulated_s", "topologies", "topsim_version", "wall_time_s",
                              "warmup_s"])
        XCTAssertTrue(text.hasSuffix("}\n"))

        func withoutWallTime(_ t: String) -> String {
            t.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("\"wall_time_s\"") }
                .joined(separator: "\n")
        }
        XCTAssertEqual(withoutWallTime(text), withoutWallTime(Reports.runJSON(two)))
    }

    /// Each topology records its presets with aliases resolved: `linkerd` is written as the
    /// version it meant (`linkerd-2.18` today), a combined topology lists both its presets,
    /// and `none` none.
    func testRunJSONRecordsResolvedPresets() throws {
        let s = try Support.parse("""
            scenario: presets
            duration: 2s
            services: { a: { service_time: const(1ms) } }
            traffic: [ { name: t, to: a, rate: 10/s } ]
            topologies:
              - { name: direct, kind: none }
              - { name: l, kind: sidecar, preset: linkerd }
              - { name: c, kind: combined, gateway: { preset: kong }, mesh: { preset: istio } }
            """)
        let text = Reports.runJSON(try Runner.run(s, options: Runner.Options(jobs: 1)))
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let tops = try XCTUnwrap(obj["topologies"] as? [[String: Any]])
        XCTAssertEqual(tops[0]["presets"] as? [String], [])
        XCTAssertEqual(tops[1]["presets"] as? [String], ["linkerd-2.18"])
        XCTAssertEqual(Set(try XCTUnwrap(tops[2]["presets"] as? [String])), ["kong", "istio-1.24"])
    }
}

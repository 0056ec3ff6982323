import Foundation
import Report
import Scenario
import XCTest

final class FingerprintTests: XCTestCase {
    func testSameScenarioAndSeedKeepTheFingerprintAModelChangeChangesIt() throws {
        let base = Support.twoTopologies(expect: [], serviceTime: "exp(10ms)")
        let a = try Support.run(base), b = try Support.run(base)
        let slower = try Support.run(Support.twoTopologies(expect: [], serviceTime: "exp(11ms)"))
        let slowerProxy = try Support.run(Support.twoTopologies(expect: [], serviceTime: "exp(10ms)", proxyLatency: "const(3ms)"))

        var store = FingerprintStore()
        store.update(with: [a])
        XCTAssertEqual(store.compare(b).cases.map(\.status), [.pass, .pass])

        // Service time changes both topologies' trajectories.
        let s = store.compare(slower).cases
        XCTAssertEqual(s.map(\.status), [.fail, .fail])
        XCTAssertEqual(s.map(\.name), ["fingerprint direct", "fingerprint mesh"])
        XCTAssertTrue(s[0].message!.contains("replication 1"), s[0].message!)

        // Proxy latency changes only the mesh; the direct topology is untouched.
        let p = store.compare(slowerProxy).cases
        XCTAssertEqual(p.map(\.status), [.pass, .fail])

        // Accepting a change (--update-fingerprints) reports it without failing.
        XCTAssertEqual(store.compare(slower, accept: true).cases.map(\.status), [.pass, .pass])
        XCTAssertTrue(store.compare(slower, accept: true).cases[0].detail.contains("updated"))
    }

    func testMissingEntriesAreNewNotFailures() throws {
        let r = try Support.run(Support.twoTopologies(expect: []))
        XCTAssertEqual(FingerprintStore().compare(r).cases.map(\.status), [.new, .new])
        var store = FingerprintStore()
        store.update(with: [r])
        store.scenarios["tiny"]!.topologies["mesh"] = nil
        store.scenarios["tiny"]!.topologies["old"] = ["0000000000000000"]
        let c = store.compare(r)
        XCTAssertEqual(c.cases.map(\.status), [.pass, .new])
        XCTAssertEqual(c.notes.count, 1)
        XCTAssertTrue(c.notes[0].contains("'old'"))
        XCTAssertFalse(c.cases.contains(where: \.failed))
    }

    func testFileFormatIsSortedStableAndRoundTrips() throws {
        let store = FingerprintStore(scenarios: [
            "zeta": .init(seed: 7, topologies: ["mesh": ["00000000000000ff", "0000000000000aff"], "direct": ["1234567890abcdef"]]),
            "alpha \"q\"": .init(seed: 1, topologies: ["b": ["0000000000000001"], "a": ["0000000000000002"]]),
        ])
        let text = store.serialized()
        XCTAssertEqual(text, """
        {
          "topsim_fingerprints": 2,
          "scenarios": {
            "alpha \\"q\\"": {
              "seed": 1,
              "topologies": {
                "a": ["0000000000000002"],
                "b": ["0000000000000001"]
              }
            },
            "zeta": {
              "seed": 7,
              "topologies": {
                "direct": ["1234567890abcdef"],
                "mesh": ["00000000000000ff", "0000000000000aff"]
              }
            }
          }
        }

        """)
        XCTAssertEqual(try FingerprintStore.parse(text), store)
        XCTAssertEqual(FingerprintStore().serialized(), "{\n  \"topsim_fingerprints\": 2,\n  \"scenarios\": {}\n}\n")
        XCTAssertEqual(try FingerprintStore.parse(FingerprintStore().serialized()), FingerprintStore())
        XCTAssertThrowsError(try FingerprintStore.parse("{\"scenarios\": {}}"))
        XCTAssertThrowsError(try FingerprintStore.parse("not json"))
    }

    /// Updating replaces the scenarios run and keeps the others.
    func testUpdateKeepsOtherScenarios() throws {
        let r = try Support.run(Support.twoTopologies(expect: []))
        var store = FingerprintStore(scenarios: ["other": .init(seed: 3, topologies: ["x": ["00"]]),
                                                 "tiny": .init(seed: 9, topologies: ["gone": ["00"]])])
        store.update(with: [r])
        XCTAssertEqual(store.scenarios.keys.sorted(), ["other", "tiny"])
        XCTAssertEqual(store.scenarios["tiny"]!.topologies.keys.sorted(), ["direct", "mesh"])
        XCTAssertEqual(store.scenarios["tiny"]!.seed, 1)
        XCTAssertEqual(store.scenarios["tiny"]!.topologies["direct"], [r.topologies[0].runs[0].fingerprint.description])
    }
}

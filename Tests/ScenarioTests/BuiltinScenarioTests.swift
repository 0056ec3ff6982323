import Foundation
import XCTest
@testable import Scenario

final class BuiltinScenarioTests: XCTestCase {
    func testShippedFileIsByteIdentical() throws {
        let url = Fixture.repo.appendingPathComponent("scenarios/compare-all.yaml")
        let file = try Data(contentsOf: url)
        XCTAssertEqual(file, Data(BuiltinScenarios.compareAll.utf8),
                       "scenarios/compare-all.yaml and BuiltinScenarios.compareAll differ; copy the file into the constant")
    }

    func testEveryShippedScenarioIsValid() throws {
        let dir = Fixture.repo.appendingPathComponent("scenarios")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertFalse(names.isEmpty)
        for n in names { XCTAssertNoThrow(try ScenarioLoader.load(path: dir.appendingPathComponent(n).path), n) }
    }

    func testItIsTheShopTheBriefAsksFor() throws {
        let s = try BuiltinScenarios.compareAllScenario()
        XCTAssertGreaterThanOrEqual(s.services.count, 10)
        let steps = s.services.flatMap(\.calls)
        XCTAssertTrue(steps.contains { if case .parallel = $0 { return true } else { return false } })
        XCTAssertTrue(steps.contains { if case .sequential = $0 { return true } else { return false } })
        XCTAssertTrue(steps.flatMap(\.calls).contains { $0.probability < 1 })
        XCTAssertEqual(s.cluster.zones.count, 3)
        XCTAssertEqual(s.cluster.nodes, 6)
        let external = s.traffic.filter { $0.from == .external }.map { $0.rate.perSecond(at: 0) }.reduce(0, +)
        XCTAssertTrue((300...500).contains(external), "external rate \(external)")
        XCTAssertTrue(s.traffic.contains { $0.from == .internal })
        XCTAssertEqual(s.duration, 600 * 1_000_000_000)
        XCTAssertEqual(s.warmup, 30 * 1_000_000_000)
        XCTAssertEqual(Set(s.topologies.map(\.kind)), Set(TopologyKind.allCases))
        XCTAssertEqual(s.topology(named: "gateway")?.preset, "kong")
        XCTAssertEqual(s.topology(named: "gateway")?.gateway?.overrides.replicas, 2)
        XCTAssertEqual(s.topology(named: "mesh")?.mtls, .strict)
        XCTAssertEqual(s.topology(named: "edge+mesh")?.gateway?.preset, "envoy-gateway")
        XCTAssertEqual(s.topology(named: "edge+mesh")?.mesh?.preset, "linkerd")
        XCTAssertEqual(s.topology(named: "ambient")?.waypoint.isOn, true)
        XCTAssertTrue(s.faults.contains { $0.kind == .crash })
        XCTAssertTrue(s.faults.contains { $0.kind == .latency })
        XCTAssertTrue(s.expectations.contains { $0.lhs.topology == .all && $0.lhs.metric == .successRate })
        XCTAssertFalse(s.description.isEmpty)
        XCTAssertNil(s.sourcePath)
    }
}

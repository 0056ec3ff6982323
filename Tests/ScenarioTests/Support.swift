import Foundation
import XCTest
@testable import Scenario

/// Fixtures are read from the source tree (next to this file), so tests need no bundle lookup.
enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ rel: String) -> String { root.appendingPathComponent(rel).path }

    static func files(in dir: String, ext: String = "yaml") -> [String] {
        let d = root.appendingPathComponent(dir)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []
        return names.filter { $0.hasSuffix("." + ext) }.sorted().map { d.appendingPathComponent($0).path }
    }
}

/// Parses text that must be valid, failing the test with every diagnostic otherwise.
func parseValid(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Scenario? {
    do {
        return try ScenarioLoader.parse(text: text, fileName: "t.yaml")
    } catch let e as ScenarioErrors {
        XCTFail("unexpected errors:\n\(e)", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
    return nil
}

/// Parses text that must be invalid and returns its diagnostics.
func diagnostics(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [Diagnostic] {
    do {
        _ = try ScenarioLoader.parse(text: text, fileName: "t.yaml")
        XCTFail("expected errors, the scenario parsed", file: file, line: line)
    } catch let e as ScenarioErrors {
        return e.diagnostics
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
    }
    return []
}

/// A small valid scenario to vary in tests.
let minimalScenario = """
scenario: t
duration: 1m
services:
  a: { replicas: 2, service_time: exp(1ms), calls: [b] }
  b: { service_time: const(1ms) }
traffic:
  - { to: a, rate: 10/s }
topologies:
  - { name: direct, kind: none }
  - { name: mesh, kind: sidecar }

"""

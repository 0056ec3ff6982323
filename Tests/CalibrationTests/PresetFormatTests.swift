import XCTest
@testable import Calibration
import SimCore

final class PresetFormatTests: XCTestCase {
    func testTableListsEveryPresetAndAlias() {
        let table = PresetFormat.table(PresetRegistry.all, aliases: PresetRegistry.aliases)
        for name in PresetRegistry.names { XCTAssertTrue(table.contains(name), name) }
        for header in ["NAME", "SYSTEM", "VERSION", "KIND", "LAT MEAN", "LAT P99", "WORKERS", "CPU/REQ",
                       "MEM MB", "CERT TTL", "TIMEOUT", "RETRIES", "SOURCED", "ASSUMED"] {
            XCTAssertTrue(table.contains(header), header)
        }
        // One row per preset plus header, a blank line and the footer.
        let rows = table.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(rows.filter { row in PresetRegistry.all.contains { row.hasPrefix($0.name + " ") } }.count,
                       PresetRegistry.all.count)
    }

    func testTableRowShowsKeyValues() throws {
        let table = PresetFormat.table(PresetRegistry.all, aliases: PresetRegistry.aliases)
        let row = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("aws-api-gateway ") })
        XCTAssertTrue(row.contains("29s"), String(row))
        let istio = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("istio-1.24 ") })
        XCTAssertTrue(istio.contains("24h"), String(istio))
        XCTAssertTrue(istio.contains("42.7us"), String(istio))
    }

    func testDetailPrintsEveryCitation() throws {
        let p = try XCTUnwrap(PresetRegistry.preset(named: "istio-envoy"))
        let text = PresetFormat.detail(p, aliases: PresetRegistry.aliases)
        XCTAssertTrue(text.hasPrefix("istio-1.24:"))
        XCTAssertTrue(text.contains("aliases: istio, istio-envoy"))
        for c in p.citations {
            XCTAssertTrue(text.contains("\(c.field) = \(c.value)"), c.field)
            XCTAssertTrue(text.contains(c.source), c.field)
        }
    }

    func testDurationsAndDistributions() {
        XCTAssertEqual(PresetFormat.duration(29e9), "29s")
        XCTAssertEqual(PresetFormat.duration(72 * 3600e9), "72h")
        XCTAssertEqual(PresetFormat.duration(42_720), "42.7us")
        XCTAssertEqual(PresetFormat.duration(1_500_000), "1.5ms")
        XCTAssertEqual(PresetFormat.timeout(Policies.noTimeout), "none")
        XCTAssertEqual(PresetFormat.distribution(.constant(5_000)), "const(5us)")
        XCTAssertTrue(PresetFormat.distribution(.lognormal(mean: 1e6, p99: 3e6)!).hasPrefix("lognormal(mean: 1ms, p99: 3ms)"))
        XCTAssertEqual(PresetFormat.count(unlimited), "unlimited")
        XCTAssertEqual(PresetFormat.cpu(0.0002), "0.2 ms CPU")
    }

    func testSuggestions() {
        let names = PresetRegistry.names
        XCTAssertEqual(PresetFormat.suggestion(for: "lnkerd", among: names), "linkerd")
        XCTAssertEqual(PresetFormat.suggestion(for: "istio-envy", among: names), "istio-envoy")
        XCTAssertEqual(PresetFormat.suggestion(for: "kongg", among: names), "kong")
        XCTAssertNil(PresetFormat.suggestion(for: "zzzzzzzzzzzzzzzzzzzzzz", among: names))
    }
}

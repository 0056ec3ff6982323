import Foundation
import TestSupport
import XCTest

/// Golden frames of the real model: the binary draws a seeded scenario headless at fixed
/// simulated times (frame i of 4 at duration * i / 4: 30, 60, 90 and 120 s, the crash of
/// api/0 from 40 to 70 s in the middle). UPDATE_GOLDEN=1 rewrites them; review the diff.
final class ModelGoldenTests: XCTestCase {
    func check(size: String, select: String, extra: [String] = [], name: String? = nil) throws {
        let scenario = GoldenTests.goldenDir.appendingPathComponent("model-scenario.yaml").path
        let r = try TopsimBinary.run(["tui", scenario, "--headless", "--frames", "4", "--size", size,
                                      "--ascii", "--select", select] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        let url = GoldenTests.goldenDir.appendingPathComponent(name ?? "model-\(size)-\(select).txt")
        if let why = try Golden.mismatch(r.stdout, golden: url) { XCTFail(why) }
    }

    func testModelFramesAt80x24() throws { try check(size: "80x24", select: "mesh") }
    func testModelFramesAt120x40() throws { try check(size: "120x40", select: "mesh") }

    /// The service panel on the real model (services.csv's figures): web and api of the mesh,
    /// sorted by p99. Their own shares of the critical path plus the hops' add up to 100%
    /// (web 34.4% + api 51.0% = 85.4%, the "app" hop of the frame at 60 s).
    func testServicePanelFramesAt80x24() throws {
        try check(size: "80x24", select: "mesh", extra: ["--overlay", "services", "--sort", "p99"],
                  name: "model-80x24-mesh-services.txt")
    }
}

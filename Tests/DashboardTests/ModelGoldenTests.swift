import Foundation
import XCTest

/// Golden frames of the real model: the binary draws a seeded scenario headless at fixed
/// simulated times (frame i of 4 at duration * i / 4: 30, 60, 90 and 120 s, the crash of
/// api/0 from 40 to 70 s in the middle). UPDATE_GOLDEN=1 rewrites them; review the diff.
final class ModelGoldenTests: XCTestCase {
    func check(size: String, select: String) throws {
        guard let exe = EndToEndTests.topsimBinary() else { throw XCTSkip("topsim binary not built") }
        let scenario = GoldenTests.goldenDir.appendingPathComponent("model-scenario.yaml").path
        let r = EndToEndTests.run(exe.path, ["tui", scenario, "--headless", "--frames", "4", "--size", size,
                                             "--ascii", "--select", select])
        XCTAssertEqual(r.status, 0, r.err)
        let url = GoldenTests.goldenDir.appendingPathComponent("model-\(size)-\(select).txt")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try r.out.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if expected != r.out {
            let e = expected.split(separator: "\n"), a = r.out.split(separator: "\n")
            let i = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
            XCTFail("model frames at \(size) differ at line \(i + 1):\nexpected: \(i < e.count ? e[i] : "")\nactual:   \(i < a.count ? a[i] : "")")
        }
    }

    func testModelFramesAt80x24() throws { try check(size: "80x24", select: "mesh") }
    func testModelFramesAt120x40() throws { try check(size: "120x40", select: "mesh") }
}

import Foundation
import XCTest
@testable import Calibration

/// docs/calibration.md must hold the same content as `topsim presets NAME`.
final class CalibrationDocTests: XCTestCase {
    func testDocHasEveryPresetValueAndSource() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/calibration.md"), encoding: .utf8)
        for p in PresetRegistry.all {
            XCTAssertTrue(doc.contains("### \(p.name)\n"), "no section for \(p.name)")
            for c in p.citations {
                XCTAssertTrue(doc.contains("| `\(c.field)` | \(c.value) |"),
                              "\(p.name).\(c.field) = \(c.value) missing or stale; regenerate with docs/calibration-fit/preset_tables.py")
            }
        }
        for t in CalibrationTargets.latency {
            XCTAssertTrue(doc.contains(String(t.addedP90Ms)), "\(t.preset) fit target not documented")
        }
    }
}

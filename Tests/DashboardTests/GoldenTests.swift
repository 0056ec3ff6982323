import Dashboard
import Foundation
import TestSupport
import XCTest

/// Golden text dumps of the grid. Review changes in the diff; UPDATE_GOLDEN=1 rewrites them.
final class GoldenTests: XCTestCase {
    static let goldenDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func assertGolden(_ name: String, _ grid: CellGrid, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = Self.goldenDir.appendingPathComponent(name + ".txt")
        if let why = try Golden.mismatch(grid.description + "\n", golden: url) { XCTFail(why, file: file, line: line) }
    }

    func ui(selected: Int = 0, overlay: Overlay = .none, paused: Bool = false, sort: ServiceSort = .share) -> UIState {
        var s = UIState(topologyCount: 5, seed: 7, selected: selected, overlay: overlay, paused: paused)
        s.serviceSort = sort
        return s
    }

    /// The service panel at the minimum size: 17 of the 22 services sorted by share (ledger,
    /// 22/253 = 8.7%, first), the other 5 counted on the 18th row, one errors column naming
    /// the main cause.
    func testServices80x24() throws {
        try assertGolden("services-80x24", layout(Fixtures.snapshotWithServices(), ui(selected: 2, overlay: .services),
                                                  size: Size(width: 80, height: 24)))
    }

    /// Grown: every service, one column per error cause, sorted by p99 (ledger, 10 + 3*21 = 73 ms, first).
    func testServices160x50() throws {
        try assertGolden("services-160x50", layout(Fixtures.snapshotWithServices(), ui(selected: 2, overlay: .services, sort: .p99),
                                                   size: Size(width: 160, height: 50)))
    }

    /// ASCII glyphs: the sort mark is "v" and the overflow line starts with "+".
    func testServices80x24Ascii() throws {
        try assertGolden("services-ascii-80x24", layout(Fixtures.snapshotWithServices(), ui(selected: 2, overlay: .services, sort: .name),
                                                        size: Size(width: 80, height: 24), glyphs: .ascii))
    }

    func testMain80x24() throws {
        try assertGolden("main-80x24", layout(Fixtures.snapshot(), ui(selected: 2), size: Size(width: 80, height: 24)))
    }

    func testMain120x40() throws {
        try assertGolden("main-120x40", layout(Fixtures.snapshot(), ui(selected: 3), size: Size(width: 120, height: 40)))
    }

    func testSidecarless120x40Paused() throws {
        try assertGolden("ambient-paused-120x40",
                         layout(Fixtures.snapshot(seconds: 105, state: .paused), ui(selected: 4, paused: true),
                                size: Size(width: 120, height: 40)))
    }

    func testAscii80x24() throws {
        try assertGolden("ascii-80x24", layout(Fixtures.snapshot(), ui(selected: 1), size: Size(width: 80, height: 24),
                                               glyphs: .ascii))
    }

    func testHelp80x24() throws {
        try assertGolden("help-80x24", layout(Fixtures.snapshot(), ui(overlay: .help), size: Size(width: 80, height: 24)))
    }

    func testDetails120x40() throws {
        try assertGolden("details-120x40", layout(Fixtures.snapshot(), ui(selected: 3, overlay: .details),
                                                  size: Size(width: 120, height: 40)))
    }

    func testFinished200x60() throws {
        try assertGolden("finished-200x60", layout(Fixtures.snapshot(seconds: 120, state: .finished), ui(selected: 3),
                                                   size: Size(width: 200, height: 60)))
    }

    func testTooSmall() throws {
        let grid = layout(Fixtures.snapshot(), ui(), size: Size(width: 60, height: 20))
        XCTAssertTrue(grid.description.contains("topsim needs at least 80x24"))
        XCTAssertTrue(grid.description.contains("this terminal is 60x20"))
        try assertGolden("too-small-60x20", grid)
        // One short dimension is enough.
        XCTAssertTrue(layout(Fixtures.snapshot(), ui(), size: Size(width: 200, height: 23)).description.contains("needs at least"))
        XCTAssertFalse(layout(Fixtures.snapshot(), ui(), size: Size(width: 80, height: 24)).description.contains("needs at least"))
    }
}

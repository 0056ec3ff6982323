@testable import Dashboard
import XCTest

final class LayoutTests: XCTestCase {
    let ui = UIState(topologyCount: 5, seed: 1, selected: 2)

    func testBestValueMarkedPerRow() {
        let grid = layout(Fixtures.snapshot(), ui, size: Size(width: 120, height: 40))
        let p50 = grid.description.split(separator: "\n").first { $0.hasPrefix(" p50 ms") }!
        // direct has the lowest p50 (3.10): marked, and only it.
        XCTAssertTrue(p50.contains("3.10 ★"))
        XCTAssertEqual(p50.filter { $0 == "★" }.count, 1)
        // Equal values everywhere mark nothing (err tls is 0 in four columns, 12 in one: the zeros are best).
        let tls = grid.description.split(separator: "\n").first { $0.hasPrefix(" err tls") }!
        XCTAssertEqual(tls.filter { $0 == "★" }.count, 4)
    }

    /// A topology with no successful request: its latency cells read "-", never 0, and the
    /// windows without a success are gaps in its sparkline (nothing drawn), not a floor.
    func testNoDataLatencyIsADashAndAGap() {
        var snap = Fixtures.snapshot()
        snap.topologies[0].p50Ms = .nan
        snap.topologies[0].p99Ms = .nan
        snap.topologies[0].history = snap.topologies[0].history.map { _ in WindowSample(p99Ms: .nan, successRate: 0) }
        let lines = layout(snap, ui, size: Size(width: 120, height: 40)).description.split(separator: "\n").map(String.init)
        // 120 columns: labels take 17, each of the 5 topologies (120 - 17 - 1) / 5 = 20.
        func cell(_ prefix: String) -> String {
            let line = Array(lines.first { $0.hasPrefix(prefix) }!)
            return String(line[17..<37]).trimmingCharacters(in: .whitespaces)
        }
        XCTAssertEqual(cell(" p50 ms"), "-")
        XCTAssertEqual(cell(" p99 ms"), "-")
        let trend = cell(" p99 trend")
        XCTAssertTrue(trend.unicodeScalars.allSatisfy { $0 == " " || $0 == "\u{2800}" }, "a gap, not a line at 0: '\(trend)'")
        // The gaps take no part in the shared scale (printed under the label): the same as with no history.
        var empty = snap
        empty.topologies[0].history = []
        let reference = layout(empty, ui, size: Size(width: 120, height: 40)).description.split(separator: "\n").map(String.init)
        let at = lines.firstIndex { $0.hasPrefix(" p99 trend") }!
        XCTAssertEqual(String(lines[at + 1].prefix(17)), String(reference[at + 1].prefix(17)))
        XCTAssertTrue(lines[at + 1].contains(" ms"), lines[at + 1])
        // The other columns still draw theirs.
        let other = Array(lines.first { $0.hasPrefix(" p99 trend") }!)
        XCTAssertFalse(String(other[38..<57]).trimmingCharacters(in: .whitespaces).isEmpty)
    }

    func testSelectedTopologyDrivesHopsAndLayoutPanels() {
        let grid = layout(Fixtures.snapshot(), ui, size: Size(width: 120, height: 40)).description
        XCTAssertTrue(grid.contains("Where the time goes: sidecar-mesh"))
        XCTAssertTrue(grid.contains("Layout: sidecar-mesh"))
        XCTAssertTrue(grid.contains("[mTLS strict]"))
    }

    func testSelectedColumnHeaderIsReversed() {
        let grid = layout(Fixtures.snapshot(), ui, size: Size(width: 120, height: 40))
        let row = grid.row(2)
        let x = row.range(of: "sidecar-mesh")!.lowerBound.utf16Offset(in: row)
        XCTAssertEqual(grid[x, 2].role, .selected)
    }

    func testFaultTimelineCursorAndActiveMark() {
        let grid = layout(Fixtures.snapshot(seconds: 60), ui, size: Size(width: 120, height: 40))
        let lines = grid.description.split(separator: "\n").map(String.init)
        let rule = lines.first { $0.hasPrefix("── Faults: 1 active") }
        XCTAssertNotNil(rule)
        XCTAssertTrue(rule!.contains("▼"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("!pod crash checkout-0") })
    }

    func testLayoutDrawsProcessesWithHealth() {
        var s = UIState(topologyCount: 5, seed: 1, selected: 1)
        var text = layout(Fixtures.snapshot(), s, size: Size(width: 120, height: 40)).description
        XCTAssertTrue(text.contains("[gateway hub ●○]"))
        s.selected = 4
        text = layout(Fixtures.snapshot(), s, size: Size(width: 120, height: 40)).description
        XCTAssertTrue(text.contains("waypoints [wp-checkout ●] [wp-payment ◌]"))
        XCTAssertTrue(text.contains("node proxy ●"))
        XCTAssertTrue(text.contains("control plane istiod 1/1 ●"))
    }

    /// Health and the success row follow the recent windows: a topology that failed 30% of
    /// its whole run (a past outage) but none of the last 10 s is healthy again, and the
    /// details overlay keeps the whole run's figure.
    func testHealthAndSuccessRowFollowTheRecentWindows() {
        var snap = Fixtures.snapshot()
        snap.recentSeconds = 10
        snap.topologies[0].successRate = 0.70
        snap.topologies[0].recentSuccessRate = 1.0
        XCTAssertEqual(snap.topologies[0].health, .healthy)
        let lines = layout(snap, ui, size: Size(width: 120, height: 40)).description.split(separator: "\n").map(String.init)
        // The header cell of column 0: name and glyph at x 17..<37 (labels 17, columns (120-17-1)/5 = 20).
        let header = String(Array(lines[2])[17..<37])
        XCTAssertTrue(header.hasSuffix("direct ● "), "'\(header)'")
        let success = lines.first { $0.hasPrefix(" success 10s") }
        XCTAssertNotNil(success, "the row names its span")
        XCTAssertTrue(String(Array(success!)[17..<37]).contains("100.00%"), success!)
        var details = UIState(topologyCount: 5, seed: 1, selected: 0, overlay: .details)
        details.selected = 0
        let overlay = layout(snap, details, size: Size(width: 120, height: 40)).description
        XCTAssertTrue(overlay.contains("last 10s 100.00%   whole run 70.00%"), overlay)
        // And the other way: healthy over the run, failing now (15% errors in the last windows > 10%).
        snap.topologies[0].successRate = 0.999
        snap.topologies[0].recentSuccessRate = 0.85
        XCTAssertEqual(snap.topologies[0].health, .failing)
        // Without a recent figure (NaN: nothing finished lately) the whole run's stands in.
        snap.topologies[0].recentSuccessRate = .nan
        XCTAssertEqual(snap.topologies[0].currentSuccessRate, 0.999)
        XCTAssertEqual(snap.topologies[0].health, .degraded)
    }

    func testEveryPanelFitsAt80x24() {
        let text = layout(Fixtures.snapshot(), ui, size: Size(width: 80, height: 24)).description
        for title in ["Comparison", "Where the time goes", "Layout", "Faults", "RUNNING"] {
            XCTAssertTrue(text.contains(title), "80x24 lacks \(title)")
        }
    }

    func testEmptySnapshotDoesNotCrash() {
        let snap = DashboardSnapshot(scenario: "empty", seed: 0, simSeconds: 0, durationSeconds: 0,
                                     runState: .running, topologies: [], faults: [])
        for size in [Size(width: 80, height: 24), Size(width: 200, height: 60)] {
            for overlay in [Overlay.none, .help, .details] {
                let g = layout(snap, UIState(topologyCount: 0, seed: 0, overlay: overlay), size: size)
                if overlay == .none { XCTAssertTrue(g.description.contains("no topologies")) }
            }
        }
    }

    func testOutOfRangeSelectionIsClamped() {
        let g = layout(Fixtures.snapshot(), UIState(topologyCount: 5, seed: 0, selected: 99), size: Size(width: 80, height: 24))
        XCTAssertTrue(g.description.contains("Where the time goes: ambient"))
    }

    func testGridPutClips() {
        var g = CellGrid(width: 5, height: 2)
        XCTAssertEqual(g.put("abcdefgh", x: 2, y: 0), 5)
        g.put("zz", x: -1, y: 1)
        g.put("nope", x: 0, y: 7)
        XCTAssertEqual(g.description, "  abc\nz")
    }

    func testSparklineStyles() {
        var g = CellGrid(width: 4, height: 1)
        Sparkline.draw([0, 1, 2, 3, 4, 4, 4, 4], into: &g, x: 0, y: 0, width: 4, height: 1, maxValue: 4,
                       style: .braille, role: .accent)
        XCTAssertEqual(g.description, "⢀⣴⣿⣿")
        g = CellGrid(width: 4, height: 1)
        Sparkline.draw([1, 8], into: &g, x: 0, y: 0, width: 4, height: 1, maxValue: 8, style: .blocks, role: .accent)
        XCTAssertEqual(g.description, "  ▁█")
        g = CellGrid(width: 3, height: 2)
        Sparkline.draw([2, 9, 16], into: &g, x: 0, y: 0, width: 3, height: 2, maxValue: 16, style: .ascii, role: .accent)
        XCTAssertEqual(g.description, " _#\n_##")
    }

    func testFormatting() {
        XCTAssertEqual(Fmt.fixed(3.14159, 2), "3.14")
        XCTAssertEqual(Fmt.fixed(0.005, 2), "0.01")
        XCTAssertEqual(Fmt.fixed(-1.5, 0), "-2")
        XCTAssertEqual(Fmt.fixed(.nan, 1), "-")
        XCTAssertEqual(Fmt.ms(4.2), "4.20")
        XCTAssertEqual(Fmt.ms(42), "42.0")
        XCTAssertEqual(Fmt.ms(420), "420")
        XCTAssertEqual(Fmt.percent(0.99951), "99.95%")
        XCTAssertEqual(Fmt.count(123_456), "123k")
        XCTAssertEqual(Fmt.clip("abcdef", 4), "abc…")
        XCTAssertEqual(Fmt.clip("abcdef", 4, unicode: false), "abc~")
    }

    /// Two topology names that clip to the same text keep their ends instead (width 8:
    /// 3 leading, the ellipsis, 4 trailing); a name that clips apart keeps its head.
    func testColumnNamesThatWouldClipAlikeKeepTheirEnds() {
        XCTAssertEqual(Fmt.clipDistinct(["linkerd211", "linkerd210", "istio124", "baseline"], 8),
                       ["lin…d211", "lin…d210", "istio124", "baseline"])
        XCTAssertEqual(Fmt.clipDistinct(["linkerd211", "istio-ambient"], 8), ["linkerd…", "istio-a…"])
        XCTAssertEqual(Fmt.clipMiddle("linkerd211", 8, unicode: false), "lin~d211")
    }

    func testSizeParsing() {
        XCTAssertEqual(Size("120x40"), Size(width: 120, height: 40))
        XCTAssertNil(Size("120"))
        XCTAssertNil(Size("0x40"))
    }
}

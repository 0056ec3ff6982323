@testable import Dashboard
import XCTest

/// The cosmetic items of issue 21, one test each.
final class CosmeticsTests: XCTestCase {
    func lines(_ grid: CellGrid) -> [String] { grid.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    /// 160 columns: the details box spans 2...157 (the width less 2 each side), not 76 columns.
    /// 80 columns: the errors line ("timeout 70  unavail 60  refused 0  tls 12  ratelim 0
    /// overflow 0  (total 142)", 77 characters) wraps within the 54 value columns instead of being cut.
    func testDetailsUseTheWidthAndWrap() {
        let ui = UIState(topologyCount: 5, seed: 1, selected: 3, overlay: .details)
        let wide = layout(Fixtures.snapshot(), ui, size: Size(width: 160, height: 50))
        let top = (0..<50).first { wide.row($0).contains("gateway+mesh (combined) details") }!
        XCTAssertEqual(wide[2, top].char, "┌")
        XCTAssertEqual(wide[157, top].char, "┐")
        let narrow = lines(layout(Fixtures.snapshot(), ui, size: Size(width: 80, height: 24)))
        let at = narrow.firstIndex { $0.contains("errors            timeout 70") }!
        XCTAssertTrue(narrow[at + 1].contains("(total 142)"), narrow[at + 1])
    }

    /// "retry-backoff" is whole where the hop panel has room (120 columns: a 54-column panel),
    /// cut only at 80 columns (a 40-column panel leaves 11 for names).
    func testHopNamesWholeWhereTheyFit() {
        var snap = Fixtures.snapshot()
        snap.topologies[2].hops.append(HopView(name: "retry-backoff", traversalsPerRequest: 0.1, meanMs: 25, share: 0.01))
        let ui = UIState(topologyCount: 5, seed: 1, selected: 2)
        XCTAssertTrue(layout(snap, ui, size: Size(width: 120, height: 40)).description.contains(" retry-backoff "))
        XCTAssertTrue(layout(snap, ui, size: Size(width: 80, height: 40)).description.contains(" retry-bac… "))
    }

    /// The cursor at either end of the run leaves the axis labels " 0s " and " 120s " whole.
    func testTimeCursorLeavesTheAxisLabels() {
        let ui = UIState(topologyCount: 5, seed: 1)
        for (t, size) in [(0.0, Size(width: 80, height: 24)), (120.0, Size(width: 80, height: 24)), (120.0, Size(width: 120, height: 40))] {
            let rule = lines(layout(Fixtures.snapshot(seconds: t, state: t >= 120 ? .finished : .running), ui, size: size))
                .first { $0.hasPrefix("── Faults") }!
            XCTAssertTrue(rule.contains(" 0s ") && rule.contains(" 120s "), "t = \(t): \(rule)")
        }
    }

    func testFaultTextNamesTheTargetOnce() {
        XCTAssertEqual(Painter.faultText(FaultView(label: "crash", kind: "crash", target: "api/0", startSeconds: 0,
                                                   endSeconds: nil, active: false)), "crash on api/0")
        XCTAssertEqual(Painter.faultText(FaultView(label: "crash api/0", kind: "crash", target: "api/0", startSeconds: 0,
                                                   endSeconds: nil, active: false)), "crash api/0")
        XCTAssertEqual(Painter.faultText(FaultView(label: "pod crash", kind: "crash", target: "checkout-0", startSeconds: 0,
                                                   endSeconds: nil, active: false)), "pod crash on checkout-0")
        XCTAssertEqual(Painter.faultText(FaultView(label: "slow payment", kind: "latency", target: "payment", startSeconds: 0,
                                                   endSeconds: nil, active: false)), "slow payment (latency)")
    }

    /// p50 3.104 and 3.101 both read "3.10": both are best. Success 99.999% .. 99.9996% all
    /// read "100.00%": no star at all.
    func testStarsOnlyWhereTheDisplayDiffers() {
        var snap = Fixtures.snapshot()
        for (i, v) in [3.104, 3.101, 4, 5, 6].enumerated() { snap.topologies[i].p50Ms = v }
        for (i, v) in [0.99999, 0.999991, 0.999992, 0.999995, 0.999996].enumerated() { snap.topologies[i].successRate = v }
        let text = lines(layout(snap, UIState(topologyCount: 5, seed: 1), size: Size(width: 120, height: 40)))
        let p50 = text.first { $0.hasPrefix(" p50 ms") }!
        XCTAssertEqual(p50.filter { $0 == "★" }.count, 2, p50)
        let success = text.first { $0.hasPrefix(" success") }!
        XCTAssertEqual(success.filter { $0 == "★" }.count, 0, success)
    }

    /// 300 windows: 200 at 400 ms, then 40..49 ms. At 120x40 a column draws 17 braille cells,
    /// 34 windows (266...299, all 40..49 ms): the label is 0.9 x 40 = 36.0 to 49.0 ms, not 400.
    func testSparklineLabelIsOfTheWindowsDrawn() {
        var snap = Fixtures.snapshot(seconds: 120, state: .finished)
        let history = (0..<300).map { i in WindowSample(p99Ms: i < 200 ? 400 : 40 + Double(i % 10), successRate: 1) }
        for i in snap.topologies.indices { snap.topologies[i].history = history }
        let text = lines(layout(snap, UIState(topologyCount: 5, seed: 1), size: Size(width: 120, height: 40)))
        let at = text.firstIndex { $0.hasPrefix(" p99 trend") }!
        XCTAssertTrue(text[at + 1].hasPrefix(" 36.0-49.0 ms"), text[at + 1])
    }

    /// 80x24, 8 nodes of 3 pods: the layout panel (rows 12-19, the legend on 19) has rows
    /// 14-18 for nodes; a node of three 10-character pods takes two rows (the third pod
    /// wraps), so two nodes fit whole, the third is cut: "… 6 more nodes". With 3 nodes, "… 1 more node".
    func testDroppedNodesAreCounted() {
        func snap(nodes: Int) -> DashboardSnapshot {
            var s = Fixtures.snapshot()
            let pods = (0..<3).map { PodView(service: "frontend", index: $0, app: .healthy) }
            s.topologies[0].layout = LayoutView(nodes: (1...nodes).map { NodeView(name: "node-\($0)", zone: "a", pods: pods) })
            return s
        }
        let ui = UIState(topologyCount: 5, seed: 1)
        let eight = lines(layout(snap(nodes: 8), ui, size: Size(width: 80, height: 24)))
        XCTAssertTrue(eight[18].hasSuffix("… 6 more nodes"), eight[18])
        XCTAssertTrue(eight[19].contains("healthy"), eight[19])
        let three = lines(layout(snap(nodes: 3), ui, size: Size(width: 80, height: 24)))
        XCTAssertTrue(three[18].hasSuffix("… 1 more node"), three[18])
        // Two nodes fit whole: nothing to count.
        XCTAssertFalse(layout(snap(nodes: 2), ui, size: Size(width: 80, height: 24)).description.contains("more node"))
    }

    func testPlurals() {
        XCTAssertEqual(Fmt.plural(1, "fault", "faults"), "1 fault")
        XCTAssertEqual(Fmt.plural(0, "fault", "faults"), "0 faults")
        XCTAssertEqual(Fmt.plural(3, "fault", "faults"), "3 faults")
    }
}

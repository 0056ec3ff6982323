@testable import Dashboard
import XCTest

/// The service panel (`s`): its keys, its sort orders and what its rows say.
final class ServicePanelTests: XCTestCase {
    let start = UIState(topologyCount: 5, seed: 42)

    func testSOpensAndClosesThePanel() {
        XCTAssertEqual(Action(key: .char("s")), .toggleServices)
        let open = reduce(start, .toggleServices)
        XCTAssertEqual(open.overlay, .services)
        XCTAssertEqual(reduce(open, .toggleServices).overlay, .none)
        XCTAssertEqual(reduce(open, .closeOverlay).overlay, .none)
        // It replaces another overlay rather than stacking on it.
        XCTAssertEqual(reduce(reduce(start, .toggleDetails), .toggleServices).overlay, .services)
    }

    func testOCyclesEverySortColumnBackToShare() {
        XCTAssertEqual(Action(key: .char("o")), .cycleSort)
        XCTAssertEqual(start.serviceSort, .share)
        var s = start
        var seen: [ServiceSort] = []
        for _ in ServiceSort.allCases {
            seen.append(s.serviceSort)
            s = reduce(s, .cycleSort)
        }
        XCTAssertEqual(seen, [.share, .p99, .p50, .errors, .attempts, .name])
        XCTAssertEqual(s.serviceSort, .share)
    }

    // Three services, figures chosen so that every column orders them differently.
    // a: share 0.2, p99 30, p50 5, errors 1, 1100 attempts / 1000 calls = 1.10
    // b: share 0.5, p99 -, p50 -, errors 9, 1000 / 1000 = 1.00 (nothing succeeded: no latency)
    // c: share 0.3, p99 80, p50 2, errors 0, 1500 / 1000 = 1.50
    let a = ServiceView(name: "a", criticalMs: 2, share: 0.2, calls: 1000, attempts: 1100, p50Ms: 5, p99Ms: 30,
                        errors: [.timeout: 1])
    let b = ServiceView(name: "b", criticalMs: 5, share: 0.5, calls: 1000, attempts: 1000, p50Ms: .nan, p99Ms: .nan,
                        errors: [.unavailable: 4, .refused: 5])
    let c = ServiceView(name: "c", criticalMs: 3, share: 0.3, calls: 1000, attempts: 1500, p50Ms: 2, p99Ms: 80)

    func testEachColumnSortsWorstFirstUnknownLast() {
        let given = [a, b, c]
        func names(_ s: ServiceSort) -> String { s.order(given).map(\.name).joined() }
        XCTAssertEqual(names(.share), "bca")        // 0.5 > 0.3 > 0.2
        XCTAssertEqual(names(.p99), "cab")          // 80 > 30, b has none: last
        XCTAssertEqual(names(.p50), "acb")          // 5 > 2, b last
        XCTAssertEqual(names(.errors), "bac")       // 9 > 1 > 0
        XCTAssertEqual(names(.attempts), "cab")     // 1.50 > 1.10 > 1.00
        XCTAssertEqual(ServiceSort.name.order([c, b, a]).map(\.name).joined(), "abc")
    }

    func testTiesKeepTheScenarioOrder() {
        var a2 = a
        a2.name = "z"
        // Equal shares: z (given first) stays ahead of a, whatever their names.
        XCTAssertEqual(ServiceSort.share.order([a2, a]).map(\.name), ["z", "a"])
        XCTAssertEqual(ServiceSort.share.order([a, a2]).map(\.name), ["a", "z"])
    }

    func testAttemptsPerCallAndTotalErrors() {
        XCTAssertEqual(a.attemptsPerCall, 1.1, accuracy: 1e-12)  // 1100 / 1000
        XCTAssertEqual(b.totalErrors, 9)                          // 4 + 5
        XCTAssertTrue(ServiceView(name: "idle", criticalMs: .nan, share: .nan).attemptsPerCall.isNaN)
    }

    /// At 80x24 a row reads: name, calls, p50, p99, errors with the main cause, tries per
    /// call, share; the sorted column's header is marked and shown in the title and status bar.
    func testRowAt80x24() {
        var snap = Fixtures.snapshot()
        snap.topologies[0].services = [a, b, c]
        var ui = UIState(topologyCount: 5, seed: 1, overlay: .services)
        ui.serviceSort = .p99
        let grid = layout(snap, ui, size: Size(width: 80, height: 24))
        let lines = grid.description.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[1].contains("Services: direct (none), sorted by p99 ms ▼ (o)"), lines[1])
        let header = lines[2]
        XCTAssertTrue(header.contains("▼p99 ms"), header)
        // c first (p99 80 ms): 1000 calls, p50 2.00, p99 80.0, no errors, 1500/1000 = 1.50, share 30.0%.
        let first = lines[3].split(separator: " ").filter { $0 != "│" }.map(String.init)
        XCTAssertEqual(first, ["c", "1000", "2.00", "80.0", "0", "1.50", "30.0%"])
        // b: no latency ("-"), 9 errors of which refused (5) is the main cause.
        let third = lines[5].split(separator: " ").filter { $0 != "│" }.map(String.init)
        XCTAssertEqual(third, ["b", "1000", "-", "-", "9", "refu", "1.00", "50.0%"])
        XCTAssertTrue(grid.row(23).contains("o sort: p99 ms"), grid.row(23))
        XCTAssertTrue(grid.row(23).contains("s close"), grid.row(23))
    }

    /// Wide terminals get one column per cause: b's 4 unavailable and 5 refused apart.
    func testEveryCauseApartWhenWide() {
        var snap = Fixtures.snapshot()
        snap.topologies[0].services = [b]
        let grid = layout(snap, UIState(topologyCount: 5, seed: 1, overlay: .services), size: Size(width: 160, height: 50))
        let lines = grid.description.split(separator: "\n").map(String.init)
        let header = lines[2].split(separator: " ").filter { $0 != "│" }.map(String.init)
        XCTAssertEqual(header, ["service", "calls", "p50", "ms", "p99", "ms", "timeout", "unavail", "refused", "tls",
                                "ratelim", "overflow", "errors", "att/call", "crit", "ms", "▼share"])
        let row = lines[3].split(separator: " ").filter { $0 != "│" }.map(String.init)
        // calls 1000, no latency, timeout 0, unavailable 4, refused 5, tls 0, rate-limited 0, overflow 0,
        // total 9, 1.00 tries per call, 5.00 ms own critical-path time, share 50.0%.
        XCTAssertEqual(row, ["b", "1000", "-", "-", "0", "4", "5", "0", "0", "0", "9", "1.00", "5.00", "50.0%"])
    }

    /// More services than rows: the last row counts the rest, in the singular for one.
    func testOverflowIsCountedWithTheRightNoun() {
        var snap = Fixtures.snapshot()
        // 80x24: the box has 22 rows, 20 inside; a header and a legend leave 18 for services.
        snap.topologies[0].services = Array(Fixtures.services().prefix(19))
        let ui = UIState(topologyCount: 5, seed: 1, overlay: .services)
        let one = layout(snap, ui, size: Size(width: 80, height: 24)).description
        // 19 services, 17 rows of them and the 18th says the 2 left.
        XCTAssertTrue(one.contains("… 2 more services"), one)
        snap.topologies[0].services = Array(Fixtures.services().prefix(18))
        let fits = layout(snap, ui, size: Size(width: 80, height: 24)).description
        XCTAssertFalse(fits.contains("more service"), fits)
        XCTAssertEqual(Fmt.plural(1, "more service", "more services"), "1 more service")
    }

    /// The panel is drawn from the selected topology's services (tab moves it).
    func testFollowsTheSelection() {
        var snap = Fixtures.snapshot()
        snap.topologies[3].services = [a]
        let ui = UIState(topologyCount: 5, seed: 1, selected: 3, overlay: .services)
        let text = layout(snap, ui, size: Size(width: 80, height: 24)).description
        XCTAssertTrue(text.contains("Services: gateway+mesh (combined)"), text)
        let none = layout(snap, UIState(topologyCount: 5, seed: 1, selected: 0, overlay: .services),
                          size: Size(width: 80, height: 24)).description
        XCTAssertTrue(none.contains("no per-service figures yet"), none)
    }
}

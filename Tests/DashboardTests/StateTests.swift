import Dashboard
import XCTest

/// One test per key: the key's action and its effect on the UI state.
final class StateTests: XCTestCase {
    let start = UIState(topologyCount: 5, seed: 42)

    func press(_ key: Key, _ state: UIState? = nil) -> UIState {
        guard let action = Action(key: key) else { return state ?? start }
        return reduce(state ?? start, action)
    }

    func testSpacePausesAndResumes() {
        XCTAssertEqual(Action(key: .char(" ")), .togglePause)
        let paused = press(.char(" "))
        XCTAssertTrue(paused.paused)
        XCTAssertFalse(press(.char(" "), paused).paused)
    }

    func testPlusSpeedsUpAndClamps() {
        XCTAssertEqual(Action(key: .char("+")), .faster)
        XCTAssertEqual(start.speed, 1)
        XCTAssertEqual(press(.char("+")).speed, 2)
        var s = start
        for _ in 0..<20 { s = press(.char("+"), s) }
        XCTAssertEqual(s.speed, 64)
    }

    func testMinusSlowsDownAndClamps() {
        XCTAssertEqual(Action(key: .char("-")), .slower)
        XCTAssertEqual(press(.char("-")).speed, 0.5)
        var s = start
        for _ in 0..<20 { s = press(.char("-"), s) }
        XCTAssertEqual(s.speed, 0.25)
    }

    func testDotStepsAndPauses() {
        let s = press(.char("."))
        XCTAssertTrue(s.paused)
        XCTAssertEqual(s.stepRequests, 1)
        XCTAssertEqual(press(.char("."), s).stepRequests, 2)
    }

    func testTabAndRightSelectNextWrapping() {
        XCTAssertEqual(press(.tab).selected, 1)
        XCTAssertEqual(press(.right).selected, 1)
        XCTAssertEqual(press(.down).selected, 1)
        XCTAssertEqual(press(.tab, UIState(topologyCount: 5, seed: 1, selected: 4)).selected, 0)
    }

    func testBackTabAndLeftSelectPreviousWrapping() {
        XCTAssertEqual(press(.backTab).selected, 4)
        XCTAssertEqual(press(.left).selected, 4)
        XCTAssertEqual(press(.up, UIState(topologyCount: 5, seed: 1, selected: 2)).selected, 1)
    }

    func testSelectionWithNoTopologiesStaysPut() {
        let empty = UIState(topologyCount: 0, seed: 1)
        XCTAssertEqual(press(.tab, empty).selected, 0)
        XCTAssertEqual(press(.left, empty).selected, 0)
    }

    func testEnterTogglesDetails() {
        let s = press(.enter)
        XCTAssertEqual(s.overlay, .details)
        XCTAssertEqual(press(.enter, s).overlay, .none)
        XCTAssertEqual(Action(key: .char("\n")), .toggleDetails)
    }

    func testQuestionMarkTogglesHelp() {
        let s = press(.char("?"))
        XCTAssertEqual(s.overlay, .help)
        XCTAssertEqual(press(.char("?"), s).overlay, .none)
        // Help replaces details rather than stacking.
        XCTAssertEqual(press(.char("?"), press(.enter)).overlay, .help)
    }

    func testEscapeClosesAnyOverlay() {
        XCTAssertEqual(press(.escape, press(.char("?"))).overlay, .none)
        XCTAssertEqual(press(.escape, press(.enter)).overlay, .none)
        XCTAssertEqual(press(.escape), start)
    }

    func testRRestartsWithANewReproducibleSeed() {
        let paused = press(.char(" "))
        let s = press(.char("r"), paused)
        XCTAssertEqual(s.restarts, 1)
        XCTAssertNotEqual(s.seed, start.seed)
        XCTAssertEqual(s.seed, UIState.nextSeed(after: 42))
        XCTAssertFalse(s.paused)
    }

    func testQQuits() {
        XCTAssertTrue(press(.char("q")).quit)
        XCTAssertTrue(press(.char("q"), press(.char("?"))).quit)
    }

    func testUnboundKeysDoNothing() {
        XCTAssertNil(Action(key: .char("z")))
        XCTAssertNil(Action(key: .char("1")))
    }

    func testHelpOverlayListsEveryKey() {
        let grid = layout(Fixtures.snapshot(), UIState(topologyCount: 5, seed: 1, overlay: .help),
                          size: Size(width: 80, height: 24))
        for k in keyHelp { XCTAssertTrue(grid.description.contains(k.key), "help lacks \(k.key)") }
    }

    func testStatusBarShowsRunState() {
        let size = Size(width: 80, height: 24)
        let running = layout(Fixtures.snapshot(), UIState(topologyCount: 5, seed: 1), size: size)
        XCTAssertTrue(running.row(23).contains("RUNNING"))
        let paused = layout(Fixtures.snapshot(), UIState(topologyCount: 5, seed: 1, paused: true), size: size)
        XCTAssertTrue(paused.row(23).contains("PAUSED"))
        let done = layout(Fixtures.snapshot(seconds: 120, state: .finished), UIState(topologyCount: 5, seed: 1), size: size)
        XCTAssertTrue(done.row(23).contains("FINISHED"))
        XCTAssertTrue(done.row(23).contains("q quit"))
        XCTAssertTrue(done.row(23).contains("? help"))
    }
}

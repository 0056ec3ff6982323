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
        // The default is 32x (UIState.defaultSpeed); + moves to the next listed speed.
        XCTAssertEqual(start.speed, 32)
        XCTAssertEqual(press(.char("+")).speed, 64)
        var s = start
        for _ in 0..<20 { s = press(.char("+"), s) }
        XCTAssertEqual(s.speed, 128)
    }

    func testMinusSlowsDownAndClamps() {
        XCTAssertEqual(Action(key: .char("-")), .slower)
        XCTAssertEqual(press(.char("-")).speed, 16)
        var s = start
        for _ in 0..<20 { s = press(.char("-"), s) }
        XCTAssertEqual(s.speed, 0.25)
    }

    /// A --speed between two listed speeds moves to the neighbouring listed ones.
    func testSpeedOffTheListSnapsToItsNeighbours() {
        let s = UIState(topologyCount: 5, seed: 42, speed: 10)
        XCTAssertEqual(press(.char("+"), s).speed, 16)
        XCTAssertEqual(press(.char("-"), s).speed, 8)
        // Beyond the list's ends the key does nothing rather than jump back.
        let fast = UIState(topologyCount: 5, seed: 42, speed: 500)
        XCTAssertEqual(press(.char("+"), fast).speed, 500)
        XCTAssertEqual(press(.char("-"), fast).speed, 128)
    }

    func testNAsksForTheNextFault() {
        XCTAssertEqual(Action(key: .char("n")), .nextFault)
        let s = press(.char("n"), press(.char(" ")))
        XCTAssertEqual(s.faultJumps, 1)
        XCTAssertTrue(s.paused, "a jump keeps the pause")
        XCTAssertEqual(press(.char("n"), s).faultJumps, 2)
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

    func testRReplaysTheSameSeedKeepingThePause() {
        XCTAssertEqual(Action(key: .char("r")), .replay)
        let paused = press(.char(" "))
        let s = press(.char("r"), paused)
        XCTAssertEqual(s.restarts, 1)
        XCTAssertEqual(s.seed, 42)
        XCTAssertTrue(s.paused)
        XCTAssertFalse(press(.char("r")).paused)
    }

    func testShiftRRestartsWithANewReproducibleSeed() {
        XCTAssertEqual(Action(key: .char("R")), .newSeed)
        let s = press(.char("R"))
        XCTAssertEqual(s.restarts, 1)
        XCTAssertEqual(s.seed, UIState.nextSeed(after: 42))
        XCTAssertNotEqual(s.seed, 42)
        XCTAssertEqual(press(.char("R"), s).seed, UIState.nextSeed(after: UIState.nextSeed(after: 42)))
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

    /// The status bar shows the speed asked for and, running, the one achieved when they differ.
    func testStatusBarShowsTheAchievedSpeed() {
        let size = Size(width: 120, height: 40)
        var snap = Fixtures.snapshot()
        snap.achievedSpeed = 27.2
        let ui = UIState(topologyCount: 5, seed: 1, speed: 64)
        XCTAssertTrue(layout(snap, ui, size: size).row(39).contains("64x (real 27x)"))
        // Keeping up: one figure (31.6 rounds to 32).
        snap.achievedSpeed = 31.6
        let kept = layout(snap, UIState(topologyCount: 5, seed: 1, speed: 32), size: size).row(39)
        XCTAssertTrue(kept.contains("  32x ") && !kept.contains("real"), kept)
        // Paused or finished: no achieved figure, whatever the snapshot says.
        snap.achievedSpeed = 5
        XCTAssertFalse(layout(snap, UIState(topologyCount: 5, seed: 1, paused: true), size: size).row(39).contains("real"))
        snap.runState = .finished
        XCTAssertFalse(layout(snap, ui, size: size).row(39).contains("real"))
    }
}

@testable import Dashboard
import Foundation
import XCTest

/// A source whose snapshot is just its clock, to watch the runner move it.
struct ClockSource: SnapshotSource {
    var now = 0.0
    var seed: UInt64 = 1
    var durationSeconds = 1000.0
    var stepSeconds = 5.0
    /// Fault start times, seconds (each lasts 10 s).
    var faultStarts: [Double] = []
    /// Wall seconds each simulated second costs (0: free), to stand for a model the machine cannot keep up with.
    var wallPerSimSecond = 0.0
    mutating func advance(to simSeconds: Double) -> DashboardSnapshot {
        let next = max(now, min(simSeconds, durationSeconds))
        if wallPerSimSecond > 0 { usleep(UInt32((next - now) * wallPerSimSecond * 1e6)) }
        now = next
        return snapshot()
    }
    func snapshot() -> DashboardSnapshot {
        DashboardSnapshot(scenario: "clock", seed: seed, simSeconds: now, durationSeconds: durationSeconds,
                          runState: .running, topologies: [],
                          faults: faultStarts.map {
                              FaultView(label: "f", kind: "crash", target: "x", startSeconds: $0, endSeconds: $0 + 10,
                                        active: now >= $0 && now < $0 + 10)
                          })
    }
    mutating func restart(seed: UInt64) {
        self.seed = seed
        now = 0
    }
}

final class RunnerTests: XCTestCase {
    func waitFor(_ what: String, timeout: Double = 5, _ cond: () -> Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while !cond() && Date() < deadline { usleep(5_000) }
        XCTAssertTrue(cond(), "timed out waiting for \(what)")
    }

    func testRunsPausesStepsAndRestarts() {
        let runner = SimulationRunner(source: ClockSource())
        defer { runner.stop() }
        runner.setSpeed(64)
        waitFor("time to move") { runner.snapshot.simSeconds > 1 }
        XCTAssertEqual(runner.snapshot.runState, .running)

        runner.setPaused(true)
        waitFor("paused state") { runner.snapshot.runState == .paused }
        let frozen = runner.snapshot.simSeconds
        usleep(100_000)
        XCTAssertEqual(runner.snapshot.simSeconds, frozen, "paused time must not move")

        runner.step()
        waitFor("one step") { runner.snapshot.simSeconds == frozen + 5 }
        XCTAssertEqual(runner.snapshot.runState, .paused)

        runner.restart(seed: 99)
        waitFor("restart") { runner.snapshot.seed == 99 }
        XCTAssertLessThan(runner.snapshot.simSeconds, frozen)
    }

    /// `n`: paused, each jump lands exactly on the next fault's start (180 s, then 360 s)
    /// and stays paused; past the last fault it does nothing.
    func testJumpsLandOnTheNextFaultsStart() {
        var source = ClockSource()
        source.faultStarts = [360, 180, 995]
        source.durationSeconds = 600
        let runner = SimulationRunner(source: source)
        defer { runner.stop() }
        runner.setPaused(true)
        waitFor("paused state") { runner.snapshot.runState == .paused }
        runner.jumpToNextFault()
        waitFor("the first fault's start") { runner.snapshot.simSeconds == 180 }
        XCTAssertEqual(runner.snapshot.runState, .paused)
        XCTAssertTrue(runner.snapshot.faults.contains { $0.active })
        XCTAssertTrue(runner.snapshot.achievedSpeed.isNaN, "no achieved speed while paused")
        usleep(100_000)
        XCTAssertEqual(runner.snapshot.simSeconds, 180, "paused: the jump stops there")
        // Two presses at once: 360, then nothing starts before the end (995 > 600).
        runner.jumpToNextFault(count: 2)
        waitFor("the second fault's start") { runner.snapshot.simSeconds == 360 }
        usleep(100_000)
        XCTAssertEqual(runner.snapshot.simSeconds, 360)
        XCTAssertNil(SimulationRunner.nextFaultStart(after: 360, in: runner.snapshot.faults, duration: 600))
        XCTAssertEqual(SimulationRunner.nextFaultStart(after: 179.5, in: runner.snapshot.faults, duration: 600), 180)
    }

    /// The published achieved speed is what the source keeps up with: a source costing
    /// 0.1 wall s per simulated second can do at most 10x whatever is asked, and one that
    /// costs nothing does what is asked.
    func testAchievedSpeedIsMeasured() {
        var slow = ClockSource()
        slow.wallPerSimSecond = 0.1
        let runner = SimulationRunner(source: slow)
        defer { runner.stop() }
        runner.setSpeed(64)
        waitFor("a measured speed", timeout: 10) { runner.snapshot.achievedSpeed.isFinite }
        usleep(600_000)
        let slowSpeed = runner.snapshot.achievedSpeed
        // At most 1 / 0.1 = 10x; the loop's own sleeps (4 ms a turn) only lower it.
        XCTAssertLessThanOrEqual(slowSpeed, 10.5)
        XCTAssertGreaterThan(slowSpeed, 2, "far below what the source allows")

        let free = SimulationRunner(source: ClockSource())
        defer { free.stop() }
        free.setSpeed(16)
        waitFor("a measured speed", timeout: 10) { free.snapshot.achievedSpeed.isFinite }
        // Free: simulated time follows the wall clock times 16, except when a turn takes over
        // 0.1 s (a loaded machine), which only lowers it.
        XCTAssertLessThanOrEqual(free.snapshot.achievedSpeed, 16 * 1.1)
        XCTAssertGreaterThan(free.snapshot.achievedSpeed, 16 * 0.5)
    }

    func testFinishesAtTheDuration() {
        var source = ClockSource()
        source.durationSeconds = 2
        let runner = SimulationRunner(source: source)
        defer { runner.stop() }
        runner.setSpeed(64)
        waitFor("finish") { runner.snapshot.runState == .finished }
        XCTAssertEqual(runner.snapshot.simSeconds, 2)
    }

    func testHeadlessFramesSpreadOverTheRun() {
        var source = ClockSource()
        source.durationSeconds = 90
        let text = renderHeadless(source: &source, frames: 3, size: Size(width: 80, height: 24), glyphs: .ascii,
                                  ui: UIState(topologyCount: 0, seed: 1))
        XCTAssertTrue(text.contains("--- frame 1/3 at t=30.0s ---"))
        XCTAssertTrue(text.contains("--- frame 3/3 at t=90.0s ---"))
        XCTAssertTrue(text.contains("FINISHED"))
        XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false).count, 3 * 25 + 1)
    }
}

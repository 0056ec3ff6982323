import Dashboard
import Foundation
import XCTest

/// A source whose snapshot is just its clock, to watch the runner move it.
struct ClockSource: SnapshotSource {
    var now = 0.0
    var seed: UInt64 = 1
    var durationSeconds = 1000.0
    var stepSeconds = 5.0
    mutating func advance(to simSeconds: Double) -> DashboardSnapshot {
        now = max(now, min(simSeconds, durationSeconds))
        return snapshot()
    }
    func snapshot() -> DashboardSnapshot {
        DashboardSnapshot(scenario: "clock", seed: seed, simSeconds: now, durationSeconds: durationSeconds,
                          runState: .running, topologies: [], faults: [])
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

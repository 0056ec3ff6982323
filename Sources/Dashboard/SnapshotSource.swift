import Foundation
import Synchronization

/// Something that simulates and can describe itself as a `DashboardSnapshot`.
///
/// Contract (the dashboard relies on it):
/// - Simulated time only moves forward through `advance(to:)`; the source never
///   runs ahead of what it was asked for. `advance(to:)` with a time at or before
///   the current one returns the current snapshot unchanged.
/// - A run is deterministic in its seed: the same seed and the same sequence of
///   target times give the same snapshots. Sources should also give the same
///   snapshot at a time however the way there was chunked (the headless frames rely on it).
/// - `restart(seed:)` goes back to simulated time 0 with the new seed.
/// - The source is owned by one thread at a time (the simulation thread);
///   it need not be Sendable, it is handed over with `sending`.
/// - `runState` in the returned snapshots may be anything: the runner overwrites it.
public protocol SnapshotSource {
    /// Simulated length of a run, seconds.
    var durationSeconds: Double { get }
    /// Simulated seconds one `.` (step) advances while paused.
    var stepSeconds: Double { get }
    /// Simulate up to `simSeconds` (clamped to the duration) and describe the state there.
    mutating func advance(to simSeconds: Double) -> DashboardSnapshot
    /// The state at the current simulated time, without simulating.
    func snapshot() -> DashboardSnapshot
    /// Start over at time 0 with a new seed.
    mutating func restart(seed: UInt64)
}

/// What the UI asks of the simulation thread; the UI writes it, the simulation reads it.
struct RunnerControl: Sendable {
    var paused = false
    var speed = 1.0
    var pendingSteps = 0
    var restartSeed: UInt64?
    var stop = false
}

/// Runs a `SnapshotSource` on its own thread and publishes immutable snapshots.
/// Simulated time follows wall time times `speed`; pause stops it without losing history.
public final class SimulationRunner: Sendable {
    private let control = Mutex(RunnerControl())
    private let latest: Mutex<DashboardSnapshot>
    private let finished = Mutex(false)

    /// Moves the source to a new thread; from here on only that thread touches it.
    public init<S: SnapshotSource>(source: sending S) {
        latest = Mutex(source.snapshot())
        // Existential so the thread closure captures no generic metatype.
        let box: any SourceLoop = SourceBox(source)
        let thread = Thread { [self] in box.run(self) }
        thread.name = "topsim-simulation"
        thread.start()
    }

    /// The newest snapshot; cheap (a copy of a few array references).
    public var snapshot: DashboardSnapshot { latest.withLock { $0 } }

    public func setPaused(_ paused: Bool) { control.withLock { $0.paused = paused } }
    public func setSpeed(_ speed: Double) { control.withLock { $0.speed = speed } }
    public func step(count: Int = 1) { control.withLock { $0.pendingSteps += count } }
    public func restart(seed: UInt64) { control.withLock { $0.restartSeed = seed } }

    /// Stops the simulation thread and waits (briefly) for it to finish its current chunk.
    public func stop() {
        control.withLock { $0.stop = true }
        for _ in 0..<200 where !finished.withLock({ $0 }) { usleep(5_000) }
    }

    fileprivate func loop<S: SnapshotSource>(_ source: inout S) {
        var simTime = source.snapshot().simSeconds
        var lastWall = DispatchTime.now().uptimeNanoseconds
        while true {
            let cmd = control.withLock { c -> RunnerControl in
                let copy = c
                c.pendingSteps = 0
                c.restartSeed = nil
                return copy
            }
            if cmd.stop { break }
            if let seed = cmd.restartSeed {
                source.restart(seed: seed)
                simTime = 0
            }
            let now = DispatchTime.now().uptimeNanoseconds
            // Capped so a slow chunk makes the simulation lag instead of leaping ahead.
            let wall = min(Double(now - lastWall) / 1e9, 0.1)
            lastWall = now
            var target = simTime
            if !cmd.paused { target += wall * cmd.speed }
            target += Double(cmd.pendingSteps) * source.stepSeconds
            target = min(target, source.durationSeconds)
            var snap: DashboardSnapshot
            if target > simTime || cmd.restartSeed != nil {
                snap = source.advance(to: target)
                simTime = target
            } else {
                snap = latest.withLock { $0 }
            }
            snap.runState = simTime >= source.durationSeconds ? .finished : (cmd.paused ? .paused : .running)
            let published = snap
            latest.withLock { $0 = published }
            usleep(cmd.paused ? 15_000 : 4_000)
        }
        finished.withLock { $0 = true }
    }
}

private protocol SourceLoop: AnyObject, Sendable {
    func run(_ runner: SimulationRunner)
}

/// Hands a non-Sendable source to the simulation thread exactly once.
private final class SourceBox<S: SnapshotSource>: SourceLoop, @unchecked Sendable {
    // Safe: written once at init, read once by the simulation thread, never shared after.
    private var source: S?
    init(_ source: sending S) { self.source = source }
    func run(_ runner: SimulationRunner) {
        var s = source!
        source = nil
        runner.loop(&s)
    }
}

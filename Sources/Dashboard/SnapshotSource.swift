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
    /// `n` presses not yet acted on: each moves the jump target to the next fault's start.
    var pendingJumps = 0
    var restartSeed: UInt64?
    var stop = false
}

/// Simulated seconds per wall second over the last couple of wall seconds of running.
/// Samples are (wall seconds, simulated seconds); any pause, step, jump or restart clears them,
/// because those move simulated time without wall time following it.
struct SpeedMeter {
    /// Wall seconds of history kept; the figure needs at least `minimumSpan` of it.
    static let window = 2.0
    static let minimumSpan = 0.5
    private var samples: [(wall: Double, sim: Double)] = []

    mutating func reset() { samples.removeAll() }

    mutating func add(wall: Double, sim: Double) {
        samples.append((wall, sim))
        while let first = samples.first, wall - first.wall > Self.window { samples.removeFirst() }
    }

    /// NaN until `minimumSpan` of wall time has been sampled.
    var speed: Double {
        guard let a = samples.first, let b = samples.last, b.wall - a.wall >= Self.minimumSpan else { return .nan }
        return (b.sim - a.sim) / (b.wall - a.wall)
    }
}

/// Runs a `SnapshotSource` on its own thread and publishes immutable snapshots.
/// Simulated time follows wall time times `speed`; pause stops it without losing history.
public final class SimulationRunner: Sendable {
    private let control = Mutex(RunnerControl())
    private let latest: Mutex<DashboardSnapshot>
    private let finished = Mutex(false)

    /// Simulated seconds a jump (`n`) advances per loop turn: small enough that the screen
    /// follows the jump, large enough that it is not paced by the frame rate.
    static let jumpChunkSeconds = 5.0

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
    /// Simulates up to the start of the next fault after the current time (or after the
    /// target of a jump still in progress); nothing when no fault starts later. Paused
    /// stays paused there; running carries on from there.
    public func jumpToNextFault(count: Int = 1) { control.withLock { $0.pendingJumps += count } }
    public func restart(seed: UInt64) { control.withLock { $0.restartSeed = seed } }

    /// Stops the simulation thread and waits (briefly) for it to finish its current chunk.
    public func stop() {
        control.withLock { $0.stop = true }
        for _ in 0..<200 where !finished.withLock({ $0 }) { usleep(5_000) }
    }

    /// The start of the first fault strictly after `time`, if any starts before the end.
    static func nextFaultStart(after time: Double, in faults: [FaultView], duration: Double) -> Double? {
        faults.map(\.startSeconds).filter { $0 > time + 1e-9 && $0 <= duration }.min()
    }

    fileprivate func loop<S: SnapshotSource>(_ source: inout S) {
        var simTime = source.snapshot().simSeconds
        var lastWall = DispatchTime.now().uptimeNanoseconds
        var jumpTarget: Double?
        var meter = SpeedMeter()
        while true {
            let cmd = control.withLock { c -> RunnerControl in
                let copy = c
                c.pendingSteps = 0
                c.pendingJumps = 0
                c.restartSeed = nil
                return copy
            }
            if cmd.stop { break }
            if let seed = cmd.restartSeed {
                source.restart(seed: seed)
                simTime = 0
                jumpTarget = nil
                meter.reset()
            }
            if cmd.pendingJumps > 0 {
                let faults = latest.withLock { $0.faults }
                for _ in 0..<cmd.pendingJumps {
                    let from = jumpTarget ?? simTime
                    if let t = Self.nextFaultStart(after: from, in: faults, duration: source.durationSeconds) {
                        jumpTarget = t
                    }
                }
            }
            let now = DispatchTime.now().uptimeNanoseconds
            // Capped so a slow chunk makes the simulation lag instead of leaping ahead.
            let wall = min(Double(now - lastWall) / 1e9, 0.1)
            lastWall = now
            var target = simTime
            if let jt = jumpTarget {
                // A jump replaces the wall clock until it lands, exactly on the fault's start.
                target = min(jt, simTime + max(Self.jumpChunkSeconds, source.stepSeconds))
                if target >= jt { jumpTarget = nil }
                meter.reset()
            } else if !cmd.paused {
                target += wall * cmd.speed
            }
            if cmd.pendingSteps > 0 || cmd.paused { meter.reset() }
            target += Double(cmd.pendingSteps) * source.stepSeconds
            target = min(target, source.durationSeconds)
            var snap: DashboardSnapshot
            if target > simTime || cmd.restartSeed != nil {
                snap = source.advance(to: target)
                simTime = target
            } else {
                snap = latest.withLock { $0 }
            }
            let done = simTime >= source.durationSeconds
            if done { meter.reset() } else { meter.add(wall: Double(DispatchTime.now().uptimeNanoseconds) / 1e9, sim: simTime) }
            snap.runState = done ? .finished : (cmd.paused ? .paused : .running)
            snap.achievedSpeed = done || cmd.paused || jumpTarget != nil ? .nan : meter.speed
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

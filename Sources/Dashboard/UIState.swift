// Keys become actions; actions change the UI state through a pure reducer (Elm style).

public enum Overlay: String, Sendable, Equatable {
    case none, help, details
    /// The service panel: the selected topology's services, one row each (`s`).
    case services
}

/// The service panel's sort column, cycled by `o`. Numbers sort worst first (the service
/// that costs the most at the top), names alphabetically; ties keep the scenario's order.
public enum ServiceSort: String, Sendable, CaseIterable, Equatable {
    case share, p99, p50, errors, attempts, name

    /// The next column in the cycle (after `name`, back to `share`).
    public var next: ServiceSort {
        let all = ServiceSort.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// A key press, already decoded from the terminal.
public enum Key: Sendable, Equatable {
    case char(Character)
    case up, down, left, right, tab, backTab, enter, escape
}

public enum Action: Sendable, Equatable {
    case togglePause, faster, slower, step
    /// Simulate up to the start of the next scheduled fault (`n`).
    case nextFault
    case selectNext, selectPrevious
    case toggleDetails, toggleHelp, closeOverlay
    /// `s`: open or close the service panel; `o`: its next sort column.
    case toggleServices, cycleSort
    /// `r`: start over with the same seed (the same run again); `R`: with a new seed.
    case replay, newSeed
    case quit

    /// The key bindings; unbound keys give nil.
    public init?(key: Key) {
        switch key {
        case .char(" "): self = .togglePause
        case .char("+"), .char("="): self = .faster
        case .char("-"), .char("_"): self = .slower
        case .char("."): self = .step
        case .tab, .right, .down, .char("l"), .char("j"): self = .selectNext
        case .backTab, .left, .up, .char("h"), .char("k"): self = .selectPrevious
        case .enter, .char("\n"), .char("\r"): self = .toggleDetails
        case .char("?"): self = .toggleHelp
        case .escape: self = .closeOverlay
        case .char("n"): self = .nextFault
        case .char("s"): self = .toggleServices
        case .char("o"): self = .cycleSort
        case .char("r"): self = .replay
        case .char("R"): self = .newSeed
        case .char("q"), .char("Q"): self = .quit
        default: return nil
        }
    }
}

/// Keys as the help overlay and docs list them.
public let keyHelp: [(key: String, action: String)] = [
    ("space", "pause / resume (the run keeps its history)"),
    ("+ / -", "faster / slower (simulated seconds per second)"),
    (".", "one step (pauses first)"),
    ("n", "jump to the start of the next fault"),
    ("tab / arrows", "select the next / previous topology"),
    ("enter", "details of the selected topology"),
    ("s", "services of the selected topology (sortable)"),
    ("o", "service panel: next sort column"),
    ("r", "replay: the same run again from 0 (same seed)"),
    ("R", "restart from 0 with a new seed"),
    ("?", "this help"),
    ("esc", "close an overlay"),
    ("q", "quit"),
]

public struct UIState: Sendable, Equatable {
    /// The speeds `+` and `-` step through (simulated seconds per wall second), slowest first.
    public static let speeds: [Double] = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128]
    /// `tui`'s default speed. The built-in comparison's first fault starts 3 simulated
    /// minutes in: at 32x that is 180 / 32 = 5.6 s of wall time, and still under 15 s on a
    /// machine that only manages 12x (the status bar shows what it achieves).
    public static let defaultSpeed: Double = 32
    /// The fastest speed `--speed` accepts: beyond it a frame's chunk of simulation would
    /// take longer than a frame anyway, and the run would only lag.
    public static let maxSpeed: Double = 10_000

    public var selected: Int
    public var topologyCount: Int
    public var overlay: Overlay
    public var paused: Bool
    /// Simulated seconds per wall second asked for (`--speed`, then `+`/`-`).
    public var speed: Double
    /// Incremented per `.`; the loop sends the difference to the simulation.
    public var stepRequests: Int
    /// Incremented per `n`; the loop sends the difference to the simulation.
    public var faultJumps: Int
    public var seed: UInt64
    /// Incremented per `r` and `R`; the loop restarts the simulation (at `seed`) when it changes.
    public var restarts: Int
    public var quit: Bool
    /// The service panel's sort column.
    public var serviceSort: ServiceSort

    public init(topologyCount: Int, seed: UInt64, selected: Int = 0, overlay: Overlay = .none,
                paused: Bool = false, speed: Double = UIState.defaultSpeed) {
        self.selected = selected
        self.topologyCount = topologyCount
        self.overlay = overlay
        self.paused = paused
        self.speed = speed
        self.stepRequests = 0
        self.faultJumps = 0
        self.seed = seed
        self.restarts = 0
        self.quit = false
        self.serviceSort = .share
    }

    /// The seed `R` moves to: SplitMix64's next value, so restarts are reproducible.
    public static func nextSeed(after seed: UInt64) -> UInt64 {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) % 1_000_000
    }
}

public func reduce(_ state: UIState, _ action: Action) -> UIState {
    var s = state
    switch action {
    case .togglePause:
        s.paused.toggle()
    case .faster:
        // The next listed speed above the current one (a --speed between two steps snaps up).
        s.speed = UIState.speeds.first { $0 > s.speed } ?? s.speed
    case .slower:
        s.speed = UIState.speeds.last { $0 < s.speed } ?? s.speed
    case .step:
        s.paused = true
        s.stepRequests += 1
    case .nextFault:
        s.faultJumps += 1
    case .selectNext:
        if s.topologyCount > 0 { s.selected = (s.selected + 1) % s.topologyCount }
    case .selectPrevious:
        if s.topologyCount > 0 { s.selected = (s.selected + s.topologyCount - 1) % s.topologyCount }
    case .toggleDetails:
        s.overlay = s.overlay == .details ? .none : .details
    case .toggleHelp:
        s.overlay = s.overlay == .help ? .none : .help
    case .toggleServices:
        s.overlay = s.overlay == .services ? .none : .services
    case .cycleSort:
        s.serviceSort = s.serviceSort.next
    case .closeOverlay:
        s.overlay = .none
    case .replay:
        // Pause is kept: paused, `r` then `n` or `.` walks through the same run again.
        s.restarts += 1
    case .newSeed:
        s.seed = UIState.nextSeed(after: s.seed)
        s.restarts += 1
    case .quit:
        s.quit = true
    }
    return s
}

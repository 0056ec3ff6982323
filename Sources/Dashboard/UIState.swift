// Keys become actions; actions change the UI state through a pure reducer (Elm style).

public enum Overlay: String, Sendable, Equatable {
    case none, help, details
}

/// A key press, already decoded from the terminal.
public enum Key: Sendable, Equatable {
    case char(Character)
    case up, down, left, right, tab, backTab, enter, escape
}

public enum Action: Sendable, Equatable {
    case togglePause, faster, slower, step
    case selectNext, selectPrevious
    case toggleDetails, toggleHelp, closeOverlay
    case restart, quit

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
        case .char("r"): self = .restart
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
    ("tab / arrows", "select the next / previous topology"),
    ("enter", "details of the selected topology"),
    ("r", "restart with a new seed"),
    ("?", "this help"),
    ("esc", "close an overlay"),
    ("q", "quit"),
]

public struct UIState: Sendable, Equatable {
    /// Simulated seconds per wall second, from slowest to fastest.
    public static let speeds: [Double] = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64]
    public static let defaultSpeedIndex = 2

    public var selected: Int
    public var topologyCount: Int
    public var overlay: Overlay
    public var paused: Bool
    public var speedIndex: Int
    /// Incremented per `.`; the loop sends the difference to the simulation.
    public var stepRequests: Int
    public var seed: UInt64
    /// Incremented per `r`; the loop restarts the simulation when it changes.
    public var restarts: Int
    public var quit: Bool

    public init(topologyCount: Int, seed: UInt64, selected: Int = 0, overlay: Overlay = .none,
                paused: Bool = false, speedIndex: Int = UIState.defaultSpeedIndex) {
        self.selected = selected
        self.topologyCount = topologyCount
        self.overlay = overlay
        self.paused = paused
        self.speedIndex = speedIndex
        self.stepRequests = 0
        self.seed = seed
        self.restarts = 0
        self.quit = false
    }

    public var speed: Double { UIState.speeds[speedIndex] }

    /// The seed `r` moves to: SplitMix64's next value, so restarts are reproducible.
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
        s.speedIndex = min(s.speedIndex + 1, UIState.speeds.count - 1)
    case .slower:
        s.speedIndex = max(s.speedIndex - 1, 0)
    case .step:
        s.paused = true
        s.stepRequests += 1
    case .selectNext:
        if s.topologyCount > 0 { s.selected = (s.selected + 1) % s.topologyCount }
    case .selectPrevious:
        if s.topologyCount > 0 { s.selected = (s.selected + s.topologyCount - 1) % s.topologyCount }
    case .toggleDetails:
        s.overlay = s.overlay == .details ? .none : .details
    case .toggleHelp:
        s.overlay = s.overlay == .help ? .none : .help
    case .closeOverlay:
        s.overlay = .none
    case .restart:
        s.seed = UIState.nextSeed(after: s.seed)
        s.restarts += 1
        s.paused = false
    case .quit:
        s.quit = true
    }
    return s
}

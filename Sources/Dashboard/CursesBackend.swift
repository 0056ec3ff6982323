// The ncurses backend: the only file that imports CNcursesw, and every curses call
// happens on the thread that calls runTerminalDashboard.
import CNcursesw
import Foundation
import Synchronization

/// Set by a terminating signal (SIGHUP, SIGINT, SIGQUIT, SIGTERM); the UI loop notices
/// within one tick, restores the terminal, and the process then dies by that signal.
private let terminationSignal = Atomic<Int32>(0)
private let quitSignals: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGTERM]
/// Handlers that were in place before ours (the Swift backtracer's, usually), indexed by signal number.
private nonisolated(unsafe) let previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
private let crashSignals: [Int32] = [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS]

/// The Swift runtime reads SWIFT_BACKTRACE at start-up, so it cannot be set later:
/// re-exec once with it set, or a crash would wait for a key on a raw terminal.
/// The executable is exec'd by its real path (what /proc/self/exe points at), not through
/// /proc/self/exe itself: the kernel names a process after the file exec'd, and `exe`
/// would hide it from `ps`, `top` and `pgrep topsim`.
public func ensureNonInteractiveBacktraces() {
    guard getenv("SWIFT_BACKTRACE") == nil else { return }
    var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    // A binary replaced since it started reads "... (deleted)": then carry on without.
    guard n > 0, access(buf, X_OK) == 0 else { return }
    setenv("SWIFT_BACKTRACE", "interactive=no", 1)
    execv(buf, CommandLine.unsafeArgv)
    // execv only returns on failure: carry on without it.
    unsetenv("SWIFT_BACKTRACE")
}

/// Why the dashboard cannot draw on this terminal (TERM unset, unknown to terminfo, or
/// unable to move the cursor, like `dumb`); nil when it can. Asked before curses starts,
/// because initscr prints its own message and exits 1 instead of returning.
public func terminalProblem(environment: [String: String]) -> String? {
    guard let term = environment["TERM"], !term.isEmpty else {
        return "TERM is not set, so the terminal's type is unknown; set it (e.g. TERM=xterm-256color), "
            + "or use `topsim run` or `topsim tui --headless`"
    }
    switch topsim_terminal_usable() {
    case 1:
        return nil
    case -1:
        return "no terminfo database describes TERM=\(term); install ncurses-base or use `topsim tui --headless`"
    case -2:
        return "TERM=\(term) cannot move the cursor, so the dashboard cannot redraw; "
            + "use a full terminal, `topsim run` or `topsim tui --headless`"
    default:
        return "TERM=\(term) is not a terminal type terminfo knows (or too limited for a full-screen display); "
            + "set TERM to your terminal's (e.g. xterm-256color), or use `topsim tui --headless`"
    }
}

/// Runs the dashboard in the terminal until `q` or SIGINT/SIGTERM; returns the exit status.
/// The source moves to a simulation thread; this thread owns the terminal. `speed` is the
/// starting speed in simulated seconds per wall second (`tui --speed`).
public func runTerminalDashboard<S: SnapshotSource>(source: sending S, seed: UInt64, speed: Double = UIState.defaultSpeed,
                                                    glyphs: Glyphs? = nil) -> Int32 {
    let runner = SimulationRunner(source: source)
    var app = CursesApp(runner: runner, seed: seed, speed: speed, forcedGlyphs: glyphs)
    let status = app.run()
    runner.stop()
    let sig = terminationSignal.load(ordering: .relaxed)
    if sig != 0 {
        // The terminal is restored: now die by the signal, as the sender and the shell expect.
        signal(sig, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, sig)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(sig)
    }
    return status
}

private func installSignalHandlers() {
    for sig in crashSignals {
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = { sig in
            // Async-signal context: restore the terminal, hand the signal to whoever had it before.
            endwin()
            sigaction(sig, previousActions + Int(sig), nil)
            raise(sig)
        }
        sigemptyset(&sa.sa_mask)
        sa.sa_flags = 0
        sigaction(sig, &sa, previousActions + Int(sig))
    }
    for sig in quitSignals {
        // Ignored by whoever started us (nohup): stays ignored.
        var current = sigaction()
        sigaction(sig, nil, &current)
        if unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
            previousActions[Int(sig)] = current
            continue
        }
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = { sig in terminationSignal.store(sig, ordering: .relaxed) }
        sigemptyset(&sa.sa_mask)
        sa.sa_flags = 0
        sigaction(sig, &sa, previousActions + Int(sig))
    }
}

private func restoreSignalHandlers() {
    for sig in crashSignals + quitSignals { sigaction(sig, previousActions + Int(sig), nil) }
}

private struct CursesApp {
    let runner: SimulationRunner
    var ui: UIState
    let forcedGlyphs: Glyphs?
    var previous: CellGrid?
    var theme = Theme.make(.mono)
    var colorEnabled = false
    var colors = 0
    /// Per role: curses attributes including the colour pair, computed once.
    var roleAttrs: [attr_t] = []
    var rolePairs: [Int16] = []

    init(runner: SimulationRunner, seed: UInt64, speed: Double, forcedGlyphs: Glyphs?) {
        self.runner = runner
        self.forcedGlyphs = forcedGlyphs
        ui = UIState(topologyCount: runner.snapshot.topologies.count, seed: seed, speed: speed)
    }

    mutating func run() -> Int32 {
        _ = topsim_setlocale_all()
        let utf8 = String(cString: nl_langinfo(nl_item(CODESET))).uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        let glyphs = forcedGlyphs ?? (utf8 ? .utf8 : .ascii)
        guard initscr() != nil else {
            FileHandle.standardError.write(Data("error: cannot initialise the terminal (is TERM set?)\n".utf8))
            return 2
        }
        installSignalHandlers()
        defer {
            endwin()
            restoreSignalHandlers()
        }
        let win = topsim_stdscr()
        cbreak()
        noecho()
        keypad(win, true)
        curs_set(0)
        set_escdelay(25)
        setupColors()

        var lastSteps = 0
        var lastJumps = 0
        var lastRestarts = 0
        var lastPaused = false
        var lastSpeed = ui.speed
        runner.setSpeed(ui.speed)
        var wch: wint_t = 0
        // Test hook: crash on purpose after N ms, to check that a crash restores the terminal.
        let crashAt = ProcessInfo.processInfo.environment["TOPSIM_TUI_TEST_CRASH_MS"].flatMap(Double.init)
            .map { Date().addingTimeInterval($0 / 1000) }
        while !ui.quit {
            if let crashAt, Date() >= crashAt { fatalError("TOPSIM_TUI_TEST_CRASH_MS: crashing on purpose") }
            if terminationSignal.load(ordering: .relaxed) != 0 { return 128 + terminationSignal.load(ordering: .relaxed) }
            // Wait up to one frame for input, then drain what is queued: resizes and key repeats coalesce.
            var resized = false
            wtimeout(win, 33)
            var rc = wget_wch(win, &wch)
            while rc != topsim_err() {
                if rc == KEY_CODE_YES && Int32(wch) == topsim_key_resize() {
                    resized = true
                } else if let key = decode(rc: rc, wch) {
                    if let action = Action(key: key) { ui = reduce(ui, action) }
                }
                if ui.quit { break }
                wtimeout(win, 0)
                rc = wget_wch(win, &wch)
            }
            if ui.quit { break }
            // Tell the simulation what changed.
            if ui.paused != lastPaused { runner.setPaused(ui.paused); lastPaused = ui.paused }
            if ui.speed != lastSpeed { runner.setSpeed(ui.speed); lastSpeed = ui.speed }
            // A restart first, so that steps and jumps pressed after it act on the new run.
            if ui.restarts != lastRestarts { runner.restart(seed: ui.seed); lastRestarts = ui.restarts }
            if ui.stepRequests != lastSteps { runner.step(count: ui.stepRequests - lastSteps); lastSteps = ui.stepRequests }
            if ui.faultJumps != lastJumps { runner.jumpToNextFault(count: ui.faultJumps - lastJumps); lastJumps = ui.faultJumps }

            if resized { previous = nil }
            let snap = runner.snapshot
            ui.topologyCount = snap.topologies.count
            let size = Size(width: Int(topsim_cols()), height: Int(topsim_lines()))
            let grid = layout(snap, ui, size: size, glyphs: glyphs)
            flush(grid, win)
        }
        return 0
    }

    func decode(rc: Int32, _ wch: wint_t) -> Key? {
        if rc == KEY_CODE_YES {
            switch Int32(wch) {
            case topsim_key_up(): return .up
            case topsim_key_down(): return .down
            case topsim_key_left(): return .left
            case topsim_key_right(): return .right
            case topsim_key_btab(): return .backTab
            case topsim_key_enter(): return .enter
            default: return nil
            }
        }
        switch wch {
        case 27: return .escape
        case 9: return .tab
        case 10, 13: return .enter
        default:
            guard let scalar = Unicode.Scalar(UInt32(wch)) else { return nil }
            return .char(Character(scalar))
        }
    }

    mutating func setupColors() {
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let can = !noColor && has_colors()
        if can {
            start_color()
            use_default_colors()
        }
        colors = can ? Int(topsim_colors()) : 0
        theme = Theme.select(environment: ProcessInfo.processInfo.environment, hasColors: can, colors: colors)
        colorEnabled = theme.kind != .mono
        roleAttrs = []
        rolePairs = []
        for role in ColorRole.allCases {
            let style = theme.style(role)
            var pair: Int16 = 0
            if colorEnabled && (style.hasColor) && Int(role.rawValue) + 1 < Int(topsim_color_pairs()) {
                pair = Int16(role.rawValue) + 1
                init_pair(pair, Int16(fit(style.fg)), Int16(fit(style.bg)))
            }
            rolePairs.append(pair)
            roleAttrs.append(curses(style.attrs))
        }
    }

    /// Bright colours (8...15) fall back to their base colour on 8-colour terminals.
    func fit(_ c: Int) -> Int {
        if c < 0 { return -1 }
        if c >= colors { return c >= 8 && c < 16 ? c - 8 : 7 }
        return c
    }

    func curses(_ a: CellAttributes) -> attr_t {
        var out = topsim_a_normal()
        if a.contains(.bold) { out |= topsim_a_bold() }
        if a.contains(.dim) { out |= topsim_a_dim() }
        if a.contains(.reverse) { out |= topsim_a_reverse() }
        if a.contains(.underline) { out |= topsim_a_underline() }
        return out
    }

    /// Writes only the cells that differ from the last frame; everything after a resize.
    mutating func flush(_ grid: CellGrid, _ win: UnsafeMutablePointer<WINDOW>?) {
        let full = previous == nil || previous!.width != grid.width || previous!.height != grid.height
        if full {
            werase(win)
        }
        var cc = cchar_t()
        var wc: [wchar_t] = [0, 0]
        for y in 0..<grid.height {
            for x in 0..<grid.width {
                let cell = grid[x, y]
                if !full, previous![x, y] == cell { continue }
                let r = Int(cell.role.rawValue)
                wc[0] = wchar_t(bitPattern: cell.char.value)
                setcchar(&cc, wc, roleAttrs[r] | curses(cell.attrs), rolePairs[r], nil)
                // The bottom-right cell returns ERR (the cursor cannot advance) but is drawn.
                mvwadd_wch(win, Int32(y), Int32(x), &cc)
            }
        }
        previous = grid
        wnoutrefresh(win)
        doupdate()
    }
}

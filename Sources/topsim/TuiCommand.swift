import ArgumentParser
import Dashboard
import Foundation
import LiveModel
import Scenario
import TextKit

/// What the dashboard shows: the scenario's topologies simulated side by side
/// (the built-in comparison without a file). Invalid files exit 2 with their diagnostics.
func makeDashboardSource(scenario path: String?, seed: UInt64?) throws -> ModelSource {
    let s: Scenario
    if let path {
        s = try loadScenarioOrExit(path)
    } else {
        s = try BuiltinScenarios.compareAllScenario()
    }
    return try ModelSource(scenario: s, seed: seed ?? s.seed)
}

struct TuiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Open the live dashboard comparing the topologies (keys: ? for help, q to quit).",
        discussion: """
        Without SCENARIO it opens the built-in comparison. It runs at 32 simulated seconds per \
        wall second unless --speed says otherwise, so the built-in comparison's first fault (3 \
        simulated minutes in) shows after about 6 s; the status bar shows the speed the machine \
        really achieves. Keys: n jumps to the next fault, r replays the same run, R starts \
        again with a new seed. --headless prints frames as plain text instead (no terminal \
        needed): frame i of N is taken at simulated time duration*i/N.
        """)

    @Argument(help: "Scenario file (YAML). Omit for the built-in comparison.", completion: .scenarioFile)
    var scenario: String?

    @Flag(help: "Print frames as plain text instead of opening the terminal UI.")
    var headless = false

    @Option(help: "Headless: how many frames, spread evenly over the run.")
    var frames = 3

    @Option(help: "Headless: frame size, WIDTHxHEIGHT.")
    var size = "120x40"

    @Option(help: "Random seed (default: the scenario's).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Simulated seconds per wall second at the start; + and - change it.",
                               valueName: "x"))
    var speed: Double = UIState.defaultSpeed

    @Option(help: "Headless: topology to select (name or kind).",
            completion: .list(Dashboard.TopologyKind.allCases.map(\.rawValue) + builtinTopologyNames))
    var select: String?

    @Option(help: "Headless: overlay to show (help, details or services).", completion: .list(["help", "details", "services"]))
    var overlay: String?

    @Option(help: ArgumentHelp("Headless: the service panel's sort column (share, p99, p50, errors, attempts or name).",
                               valueName: "column"),
            completion: .list(ServiceSort.allCases.map(\.rawValue)))
    var sort: String?

    @Flag(help: "Use ASCII glyphs even when the locale is UTF-8.")
    var ascii = false

    /// Headless bounds: a frame is a grid of cells drawn in memory, so its size is bounded
    /// (1000x1000 is a million cells, tens of MB); frames are printed one at a time.
    static let maxSide = 1000
    static let maxFrames = 10_000

    func validate() throws {
        guard let sz = Size(size) else {
            let parts = size.lowercased().split(separator: "x")
            if parts.count == 2, parts.allSatisfy({ Int($0) != nil }) {
                throw ValidationError("--size needs a width and a height of at least 1 (e.g. 120x40), not '\(size)'")
            }
            throw ValidationError("--size must look like 120x40 (columns x rows), not '\(size)'")
        }
        guard sz.width <= Self.maxSide, sz.height <= Self.maxSide else {
            throw ValidationError("--size \(size) is too large: at most \(Self.maxSide)x\(Self.maxSide)")
        }
        guard speed.isFinite, speed > 0, speed <= UIState.maxSpeed else {
            throw ValidationError("--speed must be a number above 0 and at most \(Int(UIState.maxSpeed)) (e.g. 32)")
        }
        guard frames > 0 else { throw ValidationError("--frames must be at least 1") }
        guard frames <= Self.maxFrames else { throw ValidationError("--frames must be at most \(Self.maxFrames)") }
        if let overlay, Overlay(rawValue: overlay) == nil || overlay == "none" {
            let names = ["help", "details", "services"]
            let near = names.min { EditDistance.between(overlay, $0) < EditDistance.between(overlay, $1) }
                .flatMap { EditDistance.between(overlay, $0) <= 2 ? $0 : nil }
            throw ValidationError("--overlay must be help, details or services" + (near.map { " (did you mean '\($0)'?)" } ?? ""))
        }
        if let sort, ServiceSort(rawValue: sort) == nil {
            throw ValidationError("--sort must be one of: " + ServiceSort.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if sort != nil, headless, overlay != "services" {
            throw ValidationError("--sort orders the service panel: add --overlay services")
        }
        if let scenario, !FileManager.default.fileExists(atPath: scenario) {
            throw ValidationError("scenario file not found: \(scenario)")
        }
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let glyphs = ascii ? Glyphs.ascii : Glyphs.detect(environment: env)
        if !headless {
            guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
                FileHandle.standardError.write(Data("""
                    topsim tui: needs an interactive terminal (stdin and stdout are not both one).
                    For results in a pipe or a file use `topsim run SCENARIO`; for text frames use `topsim tui --headless`.

                    """.utf8))
                throw ExitCode(2)
            }
            if let problem = terminalProblem(environment: env) {
                FileHandle.standardError.write(Data("error: \(problem)\n".utf8))
                throw ExitCode(2)
            }
            ensureNonInteractiveBacktraces()
        }
        var source = try makeDashboardSource(scenario: scenario, seed: seed)
        if headless {
            var ui = UIState(topologyCount: source.snapshot().topologies.count, seed: source.seed, speed: speed)
            if let select {
                let names = source.snapshot().topologies
                if let i = names.firstIndex(where: { $0.name == select || $0.kind.rawValue == select }) {
                    ui.selected = i
                } else {
                    throw ValidationError("no topology named \(select); have: \(names.map(\.name).joined(separator: ", "))")
                }
            }
            if let overlay { ui.overlay = Overlay(rawValue: overlay) ?? .none }
            if let sort { ui.serviceSort = ServiceSort(rawValue: sort) ?? .share }
            renderHeadless(source: &source, frames: frames, size: Size(size)!, glyphs: glyphs, ui: ui) {
                writeStandardOutput($0)
            }
            return
        }
        let startSeed = source.seed
        let status = runTerminalDashboard(source: source, seed: startSeed, speed: speed, glyphs: ascii ? .ascii : nil)
        if status != 0 { throw ExitCode(status) }
    }
}

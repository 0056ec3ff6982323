import Foundation
import TestSupport
import XCTest

/// Drives the real `topsim` binary: in tmux on a private socket for the interactive UI,
/// and through pipes for the refusal and headless paths.
final class EndToEndTests: XCTestCase {
    @discardableResult
    static func run(_ exe: String, _ args: [String], env: [String: String]? = nil) -> (status: Int32, out: String, err: String) {
        do {
            let r = try Command.run(URL(fileURLWithPath: exe), args, env: env)
            return (r.status, r.stdout, r.stderr)
        } catch { return (-1, "", "\(error)") }
    }

    /// The binary built with these tests; a missing one fails the test (TestSupport).
    func binary() throws -> URL { try TopsimBinary.url() }

    func testRefusesWhenStdoutIsNotATerminal() throws {
        let r = Self.run(try binary().path, ["tui"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.contains("topsim run"), r.err)
    }

    func testHeadlessPrintsFrames() throws {
        let r = Self.run(try binary().path, ["tui", "--headless", "--frames", "2", "--size", "80x24", "--ascii"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("--- frame 2/2 at t="))
        XCTAssertTrue(r.out.contains("FINISHED"))
        let missing = Self.run(try binary().path, ["tui", "/nonexistent/scenario.yaml", "--headless"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("not found"), missing.err)
    }

    // MARK: - tmux (TestSupport.TmuxSession: a private server, one pane)

    var tmux: TmuxSession?

    @discardableResult
    func tmuxRun(_ args: [String]) -> String { tmux?.run(args) ?? "" }

    func capture() -> String { tmux?.capture() ?? "" }

    /// Polls the pane until `predicate` holds or the time runs out.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 30, file: StaticString = #filePath, line: UInt = #line,
                 _ predicate: (String) -> Bool) -> String {
        let r = tmux?.waitFor(timeout: timeout, predicate) ?? (screen: "", held: false)
        XCTAssertTrue(r.held, "timed out waiting for \(what); screen:\n\(r.screen)", file: file, line: line)
        return r.screen
    }

    override func tearDown() {
        tmux?.kill()
        tmux = nil
        super.tearDown()
    }

    func startTmux(_ name: String) throws -> URL {
        let bin = try binary()
        guard let t = TmuxSession(name: name, session: "e2e") else {
            throw XCTSkip("tmux is not installed: the interactive end-to-end test did not run")
        }
        tmux = t
        return bin
    }

    func testCrashRestoresTheTerminal() throws {
        let bin = try startTmux("crash")
        // The backtracer is switched off only to keep the test fast; the handler path is the same.
        let cmd = "clear; TOPSIM_TUI_TEST_CRASH_MS=700 SWIFT_BACKTRACE=enable=no '\(bin.path)' tui 2>/dev/null;"
            + " echo EXIT=$?; stty -a | grep -o ' -*icanon\\| -*echo ' | tr -d '\\n'; echo ' STTY'"
        _ = tmuxRun(["send-keys", "-t", "e2e", cmd, "Enter"])
        // Match the command's output, not its echo on the command line ("EXIT=$?", "' STTY'").
        let screen = waitFor("the crash and a shell") {
            $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil && $0.contains("echo  STTY")
        }
        XCTAssertFalse(screen.contains("EXIT=0"), screen)
        XCTAssertTrue(screen.contains(" icanon echo  STTY"), "terminal left raw:\n\(screen)")
    }

    func testInteractiveSessionInTmux() throws {
        let bin = try startTmux("keys")
        let cmd = "clear; LANG=C.UTF-8 '\(bin.path)' tui; echo EXIT=$?"
        _ = tmuxRun(["send-keys", "-t", "e2e", cmd, "Enter"])
        waitFor("the dashboard") { $0.contains("RUNNING") && $0.contains("Comparison") }

        _ = tmuxRun(["send-keys", "-t", "e2e", "?"])
        waitFor("help overlay") { $0.contains("Keys") && $0.contains("restart with a new seed") }
        _ = tmuxRun(["send-keys", "-t", "e2e", "Escape"])
        waitFor("help closed") { !$0.contains("restart with a new seed") }

        _ = tmuxRun(["send-keys", "-t", "e2e", "Space"])
        waitFor("paused") { $0.contains("PAUSED") }
        // Paused: simulated time stands still (after the chunk in progress when the key came).
        usleep(300_000)
        let clock = capture().split(separator: "\n").last { $0.contains("PAUSED") }.map(String.init)
        usleep(400_000)
        XCTAssertEqual(capture().split(separator: "\n").last { $0.contains("PAUSED") }.map(String.init), clock)

        _ = tmuxRun(["resize-window", "-t", "e2e", "-x", "100", "-y", "30"])
        waitFor("redraw at 100x30") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            return lines.count >= 30 && lines[29].contains("PAUSED") && lines[0].hasSuffix("%")
                && lines.allSatisfy { $0.count <= 100 }
        }
        _ = tmuxRun(["resize-window", "-t", "e2e", "-x", "70", "-y", "20"])
        waitFor("too-small screen") { $0.contains("needs at least 80x24") }
        _ = tmuxRun(["resize-window", "-t", "e2e", "-x", "100", "-y", "30"])
        waitFor("back from too small") { $0.contains("PAUSED") && !$0.contains("needs at least") }

        _ = tmuxRun(["send-keys", "-t", "e2e", "q"])
        waitFor("exit status 0") { $0.contains("EXIT=0") }
        _ = tmuxRun(["send-keys", "-t", "e2e", "echo PROMPT_$((40+2))", "Enter"])
        waitFor("a usable shell") { $0.contains("PROMPT_42") }
    }
}

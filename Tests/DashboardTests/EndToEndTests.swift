import Foundation
import TestSupport
import XCTest

/// Drives the real `topsim` binary: in tmux on a private socket for the interactive UI,
/// and through pipes for the refusal and headless paths.
final class EndToEndTests: XCTestCase {
    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

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

    // MARK: - tmux

    var tmux = ""
    var socket = ""

    func tmuxRun(_ args: [String]) -> String {
        Self.spawn(tmux, ["-L", socket, "-f", "/dev/null"] + args)
    }

    /// posix_spawn + waitpid, output through a file: Foundation's Process watches an fd the
    /// tmux server inherits when it daemonises, and would wait for it forever.
    static func spawn(_ exe: String, _ args: [String]) -> String {
        let outPath = NSTemporaryDirectory() + "topsim-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(outPath) }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, exe, &fa, nil, &argv, environ) == 0 else { return "" }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }

    func capture() -> String { tmuxRun(["capture-pane", "-p", "-t", "e2e"]) }

    /// Polls the pane until `predicate` holds or the time runs out.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 30, file: StaticString = #filePath, line: UInt = #line,
                 _ predicate: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = capture()
        while !predicate(screen) && Date() < deadline {
            usleep(100_000)
            screen = capture()
        }
        XCTAssertTrue(predicate(screen), "timed out waiting for \(what); screen:\n\(screen)", file: file, line: line)
        return screen
    }

    override func tearDown() {
        if !tmux.isEmpty {
            _ = tmuxRun(["kill-server"])
            // kill-server leaves the socket file behind.
            let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
            unlink("\(dir)/tmux-\(getuid())/\(socket)")
        }
        super.tearDown()
    }

    func startTmux(_ name: String) throws -> URL {
        guard let t = Self.which("tmux") else {
            throw XCTSkip("tmux is not installed: the interactive end-to-end test did not run")
        }
        let bin = try binary()
        tmux = t
        socket = "topsim-test-\(getpid())-\(name)"
        _ = tmuxRun(["new-session", "-d", "-x", "120", "-y", "40", "-s", "e2e", "/bin/sh"])
        _ = tmuxRun(["set-option", "-t", "e2e", "status", "off"])
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

import Foundation
import TestSupport
import XCTest

/// Every terminating signal ends topsim the same way: the terminal restored (dashboard),
/// temporary output removed (run), and death by the signal itself, so the shell sees
/// 128+N. The dashboard is driven in tmux on a private socket, as in EndToEndTests.
final class SignalTests: XCTestCase {
    var tmux: TmuxSession?

    @discardableResult
    func tmuxRun(_ args: [String]) -> String { tmux?.run(args) ?? "" }

    func capture() -> String { tmux?.capture() ?? "" }

    /// Polls until `predicate` holds; the time limit only guards against a hang.
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

    func startTmux(_ name: String) throws -> String {
        let bin = try Topsim.binary()
        guard let t = TmuxSession(name: name, session: "sig") else {
            throw XCTSkip("tmux is not installed: the terminal signal tests did not run")
        }
        tmux = t
        return bin
    }

    /// The dashboard's process, found by name under the pane's shell: `pgrep -x topsim`
    /// must find it (it re-execs by its real path, not as `exe`).
    func dashboardPID() -> pid_t? {
        let shell = tmuxRun(["display-message", "-p", "-t", "sig", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let inner = Topsim.spawn("/usr/bin/pgrep", ["-P", shell, "-x", "sh"]).out.split(separator: "\n").first.map(String.init)
        guard let inner else { return nil }
        let r = Topsim.spawn("/usr/bin/pgrep", ["-P", inner, "-x", "topsim"])
        return r.out.split(separator: "\n").first.flatMap { pid_t(String($0)) }
    }

    func testTerminatingSignalsRestoreTheTerminalAndKillTheDashboard() throws {
        for (sig, name) in [(SIGHUP, "HUP"), (SIGTERM, "TERM"), (SIGINT, "INT"), (SIGQUIT, "QUIT")] {
            let bin = try startTmux(name)
            // In an inner shell: an interactive shell whose child dies by SIGINT drops the
            // rest of the line, as if the user had pressed ^C at it.
            let cmd = "clear; sh -c 'LANG=C.UTF-8 \"\(bin)\" tui; echo EXIT=$?'; "
                + "stty -a | grep -o ' -*icanon\\| -*echo ' | tr -d '\\n'; echo ' STTY'"
            tmuxRun(["send-keys", "-t", "sig", cmd, "Enter"])
            waitFor("the dashboard (\(name))") { $0.contains("RUNNING") && $0.contains("Comparison") }
            guard let pid = dashboardPID() else {
                XCTFail("\(name): pgrep -x topsim does not find the dashboard (named `exe`?)")
                tearDown(); continue
            }
            kill(pid, sig)
            let screen = waitFor("the shell after SIG\(name)") {
                $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil && $0.contains("echo  STTY")
            }
            XCTAssertTrue(screen.contains("EXIT=\(128 + sig)"), "SIG\(name): not dead by the signal:\n\(screen)")
            XCTAssertTrue(screen.contains(" icanon echo  STTY"), "SIG\(name): terminal left raw:\n\(screen)")
            XCTAssertEqual(tmuxRun(["display-message", "-p", "-t", "sig", "#{alternate_on}"])
                .trimmingCharacters(in: .whitespacesAndNewlines), "0", "SIG\(name): left in the alternate screen")
            tearDown()
        }
    }

    /// TERM unset, unknown or unable to move the cursor: a clear `error:` and exit 2,
    /// never ncurses' own message and exit 1, never a dashboard that cannot redraw.
    func testUnusableTerminalsAreRefused() throws {
        let bin = try startTmux("term")
        let errFile = NSTemporaryDirectory() + "topsim-term-\(getpid()).err"
        defer { unlink(errFile) }
        for (i, (env, fragment)) in [("env -u TERM", "TERM is not set"), ("TERM=no-such-terminal", "TERM=no-such-terminal"),
                                     ("TERM=dumb", "TERM=dumb cannot move the cursor")].enumerated() {
            // A marker per round, so that the previous round's line on the screen never matches.
            tmuxRun(["send-keys", "-t", "sig", "clear; \(env) '\(bin)' tui 2>'\(errFile)'; echo STATUS\(i)=$?", "Enter"])
            let screen = waitFor("refusal with \(env)") { $0.range(of: "STATUS\(i)=[0-9]", options: .regularExpression) != nil }
            XCTAssertTrue(screen.contains("STATUS\(i)=2"), "\(env):\n\(screen)")
            let err = (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? ""
            XCTAssertTrue(err.hasPrefix("error: ") && err.contains(fragment), "\(env): \(err)")
            XCTAssertFalse(err.contains("Error opening terminal"), "ncurses' own message: \(err)")
        }
    }

    /// `topsim run` killed mid-simulation: dead by the signal, no temporary folder left.
    func testRunDiesByTheSignalAndRemovesItsTemporaryOutput() throws {
        let bin = try Topsim.binary()
        let dir = Topsim.scratch("runsig")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scenario = "\(dir)/slow.yaml"
        try OutputIntegrityTests.slow.write(toFile: scenario, atomically: true, encoding: .utf8)
        for sig in [SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGABRT] {
            var pid: pid_t = 0
            let args: [String] = [bin, "run", scenario, "--out", "\(dir)/out"]
            var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
            defer { for a in argv { free(a) } }
            var fa = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&fa)
            posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
            XCTAssertEqual(posix_spawn(&pid, bin, &fa, nil, &argv, environ), 0)
            posix_spawn_file_actions_destroy(&fa)
            // Wait (bounded) until the temporary folder exists: the run is under way.
            let deadline = Date().addingTimeInterval(20)
            while !Topsim.entries(dir).contains(where: { $0.hasPrefix(".out.topsim-") }) && Date() < deadline { usleep(20_000) }
            XCTAssertTrue(Topsim.entries(dir).contains { $0.hasPrefix(".out.topsim-") }, "no temporary folder appeared")
            kill(pid, sig)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            XCTAssertEqual(status & 0x7f, sig, "signal \(sig): status \(status), not dead by the signal")
            XCTAssertEqual(Topsim.entries(dir), ["slow.yaml"], "signal \(sig): output left behind")
        }
    }
}

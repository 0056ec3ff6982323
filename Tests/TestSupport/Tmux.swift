import Foundation

/// A private tmux server (its own socket) with one detached session running `/bin/sh`,
/// for tests that drive the real dashboard in a terminal. Shared by the dashboard's
/// end-to-end tests and the signal tests.
public final class TmuxSession {
    public let tmux: String
    public let socket: String
    public let session: String

    /// nil when tmux is not installed (`make test` installs it).
    public init?(name: String, session: String, width: Int = 120, height: Int = 40) {
        guard let t = ["/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux"].first(where: FileManager.default.isExecutableFile)
        else { return nil }
        tmux = t
        socket = "topsim-\(session)-\(getpid())-\(name)"
        self.session = session
        run(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-s", session, "/bin/sh"])
        run(["set-option", "-t", session, "status", "off"])
    }

    /// A tmux command on this server; its standard output.
    @discardableResult
    public func run(_ args: [String]) -> String {
        Self.spawn(tmux, ["-L", socket, "-f", "/dev/null"] + args)
    }

    public func send(_ keys: String...) { run(["send-keys", "-t", session] + keys) }

    public func capture() -> String { run(["capture-pane", "-p", "-t", session]) }

    /// Polls the pane until `predicate` holds or `timeout` seconds pass (the limit only
    /// guards against a hang); the last screen and whether it held.
    public func waitFor(timeout: Double = 30, _ predicate: (String) -> Bool) -> (screen: String, held: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = capture()
        while !predicate(screen) && Date() < deadline {
            usleep(100_000)
            screen = capture()
        }
        return (screen, predicate(screen))
    }

    /// Stops the server and removes its socket file (kill-server leaves it behind).
    public func kill() {
        run(["kill-server"])
        let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(dir)/tmux-\(getuid())/\(socket)")
    }

    /// posix_spawn + waitpid, output through a file: Foundation's Process watches an fd the
    /// tmux server inherits when it daemonises, and would wait for it forever.
    public static func spawn(_ exe: String, _ args: [String]) -> String {
        let outPath = NSTemporaryDirectory() + "topsim-tmux-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
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
}

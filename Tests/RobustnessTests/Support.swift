import Foundation
import XCTest

/// Runs the built `topsim` binary the way a user would, under the limits every robustness
/// test states: a wall-clock timeout that guards against hangs and an address-space limit
/// that turns an unbounded allocation into a failure instead of a swapping machine.
enum Topsim {
    /// Per-run bounds: every extreme scenario finishes or is rejected within these.
    static let timeoutSeconds = 30
    static let addressSpaceKB = 4 * 1024 * 1024

    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The binary built with the tests (`make test` builds into .build-test).
    static func binary() throws -> String {
        let fm = FileManager.default
        var candidates: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("topsim"))
        }
        for dir in [".build-test/release", ".build/release", ".build/debug"] {
            candidates.append(repo.appendingPathComponent(dir).appendingPathComponent("topsim"))
        }
        guard let bin = candidates.first(where: { fm.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("topsim binary not built next to the tests")
        }
        return bin.path
    }

    struct Outcome {
        var status: Int32
        /// Set when the process died by a signal.
        var signal: Int32?
        var out: String
        var err: String
        /// `timeout` killed it: a hang.
        var timedOut: Bool { signal == SIGKILL || status == 124 || status == 137 }
        var summary: String { "status \(status), signal \(signal.map(String.init) ?? "none")\nstderr: \(err.prefix(2000))" }
    }

    /// Runs `topsim ARGS` under `ulimit -v` and `timeout`.
    static func run(_ args: [String], env: [String: String] = [:], stdoutPath: String? = nil) throws -> Outcome {
        let bin = try binary()
        let script = "ulimit -v \(addressSpaceKB); exec timeout -s KILL \(timeoutSeconds) \"$@\""
        return spawn("/bin/sh", ["-c", script, "sh", bin] + args, env: env, stdoutPath: stdoutPath)
    }

    /// posix_spawn with output through files (a pipe would need draining while waiting).
    static func spawn(_ exe: String, _ args: [String], env: [String: String] = [:],
                      stdoutPath: String? = nil) -> Outcome {
        let tmp = NSTemporaryDirectory() + "topsim-rob-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let outPath = stdoutPath ?? tmp + ".out", errPath = tmp + ".err"
        defer { unlink(tmp + ".out"); unlink(errPath) }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&fa, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        for (k, v) in env { environment[k] = v }
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) }; for e in envp { free(e) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, exe, &fa, nil, &argv, &envp) == 0 else {
            return Outcome(status: -1, signal: nil, out: "", err: "cannot spawn \(exe)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let read = { (p: String) in (try? String(contentsOfFile: p, encoding: .utf8)) ?? "" }
        let termSig = status & 0x7f
        let signal: Int32? = termSig != 0 && termSig != 0x7f ? termSig : nil
        var code = (status >> 8) & 0xff
        // `timeout` reports its child's death by signal as 128+N.
        var sig = signal
        if sig == nil, code > 128, code < 160 { sig = code - 128; code = 128 + sig! }
        return Outcome(status: code, signal: sig, out: stdoutPath == nil ? read(outPath) : "", err: read(errPath))
    }

    /// A fresh empty folder for one test.
    static func scratch(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "topsim-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Files and folders in `dir`, hidden ones included, sorted.
    static func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}

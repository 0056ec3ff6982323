import TextKit
import Foundation
import Synchronization

// Output integrity: a run's files appear together or not at all.
//
// `OutputFolder` writes the whole set into a temporary folder beside the target and
// swaps it in with one rename (Linux renameat2 RENAME_EXCHANGE when the target
// exists), so a reader sees the old set or the new one, never a mix, and a file of an
// earlier run (a faults.csv the new scenario no longer writes) cannot stay behind.
// `OutputFile` does the same for a single file (--junit, --fingerprints). Both are
// checked before anything is simulated, clean up on every failure, and register their
// temporary paths so that a terminating signal removes them too.

/// Why output could not be written; the CLI prints it as `error: …` and exits 2.
public struct OutputError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// How file contents reach the disk; replaced in tests to inject failures (a full disk).
public typealias OutputWriter = @Sendable (_ path: String, _ data: Data) throws -> Void

/// Creates the file (it must not exist) and writes every byte, or throws with errno's text.
public let defaultOutputWriter: OutputWriter = { path, data in
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw OutputError(description: "cannot create '\(path)': \(errnoText())") }
    var failure: String?
    data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
        var done = 0
        while done < buf.count {
            let n = write(fd, buf.baseAddress! + done, buf.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                failure = errnoText(); return
            }
            done += n
        }
    }
    // close reports delayed write errors (NFS, quota): a file is only good once it is closed.
    if close(fd) != 0, failure == nil { failure = errnoText() }
    if let failure { throw OutputError(description: "cannot write '\(path)': \(failure)") }
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// A file type as `lstat` sees it (symbolic links are not followed).
enum PathKind: Equatable {
    case missing, regular, directory, symlink, fifo, device, socket

    static func of(_ path: String) -> PathKind {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        case S_IFIFO: return .fifo
        case S_IFCHR, S_IFBLK: return .device
        default: return .socket
        }
    }

    var described: String {
        switch self {
        case .missing: return "missing"
        case .regular: return "a file"
        case .directory: return "a folder"
        case .symlink: return "a symbolic link"
        case .fifo: return "a named pipe"
        case .device: return "a device"
        case .socket: return "a socket"
        }
    }
}

/// The folder of the nearest existing ancestor, which must be a writable folder for
/// anything to be created below it.
func checkCreatable(_ path: String, what: String) throws {
    var dir = parentFolder(of: path)
    if dir.isEmpty { dir = "." }
    while PathKind.of(dir) == .missing, dir != "/", dir != "." {
        let up = parentFolder(of: dir)
        dir = up.isEmpty ? "." : up
    }
    var st = stat()
    guard stat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
        throw OutputError(description: "cannot write \(what) '\(path)': '\(dir)' is not a folder")
    }
    guard access(dir, W_OK | X_OK) == 0 else {
        throw OutputError(description: "cannot write \(what) '\(path)': no permission to write in '\(dir)'")
    }
}

/// `mkdir -p`, returning the folders it created (deepest last) so they can be removed again.
func makeParents(_ dir: String) throws -> [String] {
    var missing: [String] = []
    var d = dir
    while !d.isEmpty, d != "/", d != ".", PathKind.of(d) == .missing {
        missing.append(d)
        d = parentFolder(of: d)
    }
    var created: [String] = []
    for m in missing.reversed() {
        if mkdir(m, 0o755) != 0, errno != EEXIST {
            let why = errnoText()
            for c in created.reversed() { rmdir(c) }
            throw OutputError(description: "cannot create folder '\(m)': \(why)")
        }
        created.append(m)
    }
    return created
}

/// A random suffix for temporary names: two runs at once never collide.
func temporarySuffix() -> String {
    "topsim-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
}

// MARK: - Temporary paths a signal must remove

/// Paths (files first, then their folder) that a terminating signal removes. Filled
/// before the files are created; read by the signal handler, so it holds C strings
/// allocated in advance and is only appended to.
enum PendingOutput {
    static let capacity = 256
    nonisolated(unsafe) static let paths = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    static let count = Atomic<Int>(0)
    static let lock = Mutex(())

    /// Registers paths; returns the slots to release once they are gone or kept.
    static func register(_ list: [String]) -> Range<Int> {
        lock.withLock { _ in
            let start = count.load(ordering: .acquiring)
            let n = min(list.count, capacity - start)
            for (i, p) in list.prefix(n).enumerated() { paths[start + i] = strdup(p) }
            count.store(start + n, ordering: .releasing)
            return start..<(start + n)
        }
    }

    /// Forgets paths (they were removed or became the real output).
    static func release(_ slots: Range<Int>) {
        lock.withLock { _ in
            for i in slots { paths[i] = nil }
            // Trailing empty slots are reused.
            var n = count.load(ordering: .acquiring)
            while n > 0, paths[n - 1] == nil { n -= 1 }
            count.store(n, ordering: .releasing)
        }
    }

    /// Async-signal-safe: only unlink and rmdir on strings allocated before.
    static func removeAll() {
        let n = count.load(ordering: .acquiring)
        for i in 0..<n {
            guard let p = paths[i] else { continue }
            if unlink(p) != 0 { rmdir(p) }
        }
    }
}

/// Removes every temporary output file and folder of this process. Safe to call from a
/// signal handler (it only unlinks paths registered in advance).
public func removePendingOutputFromSignalHandler() {
    PendingOutput.removeAll()
}

// MARK: - A folder of outputs

/// What a command writes into an output folder: the folder it may replace whole is one
/// holding only these names (and, when there is a marker, a marker naming topsim's version).
public struct OutputKind: Sendable {
    /// The command, for messages: "run", "sweep", "capacity".
    public let command: String
    /// Every file name the command writes.
    public let knownNames: Set<String>
    /// A JSON file of the set that names `topsim_version`, or nil when the set has none
    /// (then the names alone tell).
    public let marker: String?

    /// `topsim run --out`.
    public static let run = OutputKind(command: "run", knownNames: [
        "summary.csv", "timeseries.csv", "hops.csv", "faults.csv", "verdict.csv", "run.json",
        "services.csv", "proxies.csv", "report.html", "traces.json", "access.log",
    ], marker: "run.json")
    /// `topsim sweep --out` and `topsim merge --out`.
    public static let sweep = OutputKind(command: "sweep", knownNames: ["sweep.csv", "sweep.json", "sweep.svg"],
                                         marker: "sweep.json")
    /// `topsim capacity --out`.
    public static let capacity = OutputKind(command: "capacity",
                                            knownNames: ["capacity.csv", "capacity_replications.csv", "capacity.svg"],
                                            marker: nil)
}

/// The output folder of `topsim run`, `sweep`, `merge` and `capacity --out DIR`: prepared
/// (and checked) before the work, committed with one rename after it, so the folder holds
/// exactly one command's files from one invocation, all of them or none.
public final class OutputFolder: @unchecked Sendable {
    public let target: String
    public let kind: OutputKind
    let temp: String
    let createdParents: [String]
    let writer: OutputWriter
    var slots: Range<Int>
    var finished = false

    /// Checks the target and creates the temporary folder beside it, so that a target
    /// that cannot be written is reported before anything is simulated.
    ///
    /// The target may be missing, an empty folder, or a folder an earlier invocation of the
    /// same command wrote (only its files, with its marker); anything else is refused rather
    /// than replaced: a mistaken `--out ~` must never delete a home folder, and a sweep
    /// written over a run's folder would leave a mixture.
    public init(target: String, kind: OutputKind = .run, writer: @escaping OutputWriter = defaultOutputWriter) throws {
        var t = target
        while t.count > 1, t.hasSuffix("/") { t.removeLast() }
        self.target = t
        self.kind = kind
        self.writer = writer
        try OutputFolder.checkReplaceable(t, kind: kind)
        try checkCreatable(t, what: "the output folder")
        let parent = parentFolder(of: t)
        createdParents = try makeParents(parent)
        let base = (t as NSString).lastPathComponent
        temp = ((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(".\(base).\(temporarySuffix())")
        slots = PendingOutput.register([temp])
        guard mkdir(temp, 0o755) == 0 else {
            let why = errnoText()
            PendingOutput.release(slots)
            for c in createdParents.reversed() { rmdir(c) }
            throw OutputError(description: "cannot create a folder beside '\(t)': \(why)")
        }
    }

    deinit { if !finished { discard() } }

    /// Why `path` may not be replaced by a new output folder of `kind`; nil when it may.
    static func checkReplaceable(_ path: String, kind: OutputKind) throws {
        switch PathKind.of(path) {
        case .missing:
            return
        case .directory:
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if entries.isEmpty { return }
            let foreign = entries.filter {
                !kind.knownNames.contains($0)
                    || PathKind.of((path as NSString).appendingPathComponent($0)) != .regular
            }.sorted()
            // Ours when its marker is a JSON object naming topsim's version (whatever the key
            // order), or, for a set without a marker, when nothing in it is foreign.
            let ours = kind.marker.map { marker in
                FileManager.default.contents(atPath: (path as NSString).appendingPathComponent(marker))
                    .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
                    .map { $0["topsim_version"] is String } ?? false
            } ?? true
            if foreign.isEmpty && ours { return }
            let list = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
            // `run`'s message as it always was; the others name their command (a run's folder
            // given to `sweep` holds files topsim wrote, just not a sweep's).
            let writer = kind.command == "run" ? "topsim" : "'topsim \(kind.command)'"
            throw OutputError(description: "'\(path)' holds files \(writer) did not write"
                + (foreign.isEmpty ? " (no topsim \(kind.marker ?? "marker"))" : " (\(list))")
                + "; give a new or empty folder, or one an earlier 'topsim \(kind.command) --out' wrote (it is replaced whole)")
        case .symlink:
            throw OutputError(description: "'\(path)' is a symbolic link; give the folder itself (it is replaced whole)")
        case let other:
            throw OutputError(description: "'\(path)' is \(other.described), not a folder")
        }
    }

    /// Writes every file into the temporary folder, then swaps it in with one rename.
    /// On failure nothing changes at the target and the temporary folder is gone.
    public func commit(_ files: [(name: String, contents: String)]) throws {
        precondition(!finished, "an output folder is committed once")
        let paths = files.map { (temp as NSString).appendingPathComponent($0.name) }
        let fileSlots = PendingOutput.register(paths)
        defer { PendingOutput.release(fileSlots) }
        do {
            for (f, p) in zip(files, paths) {
                do { try writer(p, Data(f.contents.utf8)) } catch {
                    let why = (error as? OutputError)?.description.components(separatedBy: "': ").last ?? "\(error)"
                    throw OutputError(description: "cannot write \(f.name) into '\(target)': \(why); "
                        + "nothing was written (the folder is as it was)")
                }
            }
            try swapIn()
        } catch {
            discard()
            throw error
        }
        finished = true
        PendingOutput.release(slots)
    }

    /// Puts the temporary folder at the target: one rename when the target is missing, an
    /// atomic exchange when it exists (the old set, now at the temporary name, is removed).
    func swapIn() throws {
        // The target may have changed while the run simulated.
        try OutputFolder.checkReplaceable(target, kind: kind)
        if PathKind.of(target) == .missing {
            guard rename(temp, target) == 0 else {
                throw OutputError(description: "cannot rename the output into '\(target)': \(errnoText())")
            }
            return
        }
        if exchange(temp, target) {
            // `temp` now holds the previous run's files.
            try? FileManager.default.removeItem(atPath: temp)
            return
        }
        // No atomic exchange on this filesystem: move the old set aside, then the new one in.
        let aside = temp + ".old"
        guard rename(target, aside) == 0 else {
            throw OutputError(description: "cannot replace '\(target)': \(errnoText())")
        }
        guard rename(temp, target) == 0 else {
            let why = errnoText()
            _ = rename(aside, target)
            throw OutputError(description: "cannot rename the output into '\(target)': \(why)")
        }
        try? FileManager.default.removeItem(atPath: aside)
    }

    /// Removes the temporary folder and what it holds, and folders created for the target.
    public func discard() {
        guard !finished else { return }
        finished = true
        try? FileManager.default.removeItem(atPath: temp)
        for c in createdParents.reversed() { rmdir(c) }
        PendingOutput.release(slots)
    }
}

/// renameat2(RENAME_EXCHANGE), looked up at run time: Glibc's Swift overlay does not
/// export it (it needs _GNU_SOURCE). False when the system or filesystem lacks it.
func exchange(_ a: String, _ b: String) -> Bool {
    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
    let renameat2 = unsafeBitCast(sym, to: RenameAt2.self)
    let renameExchange: UInt32 = 2
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
}

// MARK: - A single file

/// One output file (`--junit`, `--fingerprints`): checked before the run, written to a
/// temporary file beside it and renamed over it. Only a regular file is ever replaced:
/// never a symbolic link, a named pipe or a device (as root, /dev/full would go).
public enum OutputFile {
    /// Throws when `path` could not be written as a regular file.
    public static func check(_ path: String, what: String) throws {
        switch PathKind.of(path) {
        case .missing:
            try checkCreatable(path, what: what)
        case .regular:
            let dir = parentFolder(of: path)
            guard access(dir.isEmpty ? "." : dir, W_OK | X_OK) == 0 else {
                throw OutputError(description: "cannot write \(what) '\(path)': no permission to write in its folder")
            }
        case let other:
            throw OutputError(description: "\(what) '\(path)' is \(other.described); topsim only replaces regular files")
        }
    }

    /// Writes `contents` whole or not at all.
    public static func write(_ contents: String, to path: String, what: String,
                             writer: OutputWriter = defaultOutputWriter) throws {
        try check(path, what: what)
        let dir = parentFolder(of: path)
        let created = try makeParents(dir)
        let temp = ((dir.isEmpty ? "." : dir) as NSString)
            .appendingPathComponent(".\((path as NSString).lastPathComponent).\(temporarySuffix())")
        let slots = PendingOutput.register([temp])
        defer { PendingOutput.release(slots) }
        do {
            try writer(temp, Data(contents.utf8))
            try check(path, what: what)
            guard rename(temp, path) == 0 else {
                throw OutputError(description: "cannot write \(what) '\(path)': \(errnoText())")
            }
        } catch {
            unlink(temp)
            for c in created.reversed() { rmdir(c) }
            throw error
        }
    }
}

/// Writes a set of files as one output folder (see `OutputFolder`): all of them or none.
public func writeAtomically(_ files: [(name: String, contents: String)], to dir: String,
                            kind: OutputKind = .run) throws {
    try OutputFolder(target: dir, kind: kind).commit(files)
}

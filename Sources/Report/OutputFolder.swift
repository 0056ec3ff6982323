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

/// The output folder of `topsim run --out DIR`: prepared (and checked) before the run,
/// committed with one rename after it.
public final class OutputFolder: @unchecked Sendable {
    /// Every file name topsim writes into an output folder: a folder holding only these
    /// (and a topsim run.json) is one topsim wrote, and may be replaced whole.
    public static let knownNames: Set<String> = [
        "summary.csv", "timeseries.csv", "hops.csv", "faults.csv", "verdict.csv", "run.json",
        "services.csv", "proxies.csv", "report.html", "traces.json", "access.log",
    ]

    public let target: String
    let temp: String
    let createdParents: [String]
    let writer: OutputWriter
    var slots: Range<Int>
    var finished = false

    /// Checks the target and creates the temporary folder beside it, so that a target
    /// that cannot be written is reported before anything is simulated.
    ///
    /// The target may be missing, an empty folder, or a folder an earlier run wrote
    /// (only topsim's files, with its run.json); anything else is refused rather than
    /// replaced: a mistaken `--out ~` must never delete a home folder.
    public init(target: String, writer: @escaping OutputWriter = defaultOutputWriter) throws {
        var t = target
        while t.count > 1, t.hasSuffix("/") { t.removeLast() }
        self.target = t
        self.writer = writer
        try OutputFolder.checkReplaceable(t)
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

    /// Why `path` may not be replaced by a new output folder; nil when it may.
    static func checkReplaceable(_ path: String) throws {
        switch PathKind.of(path) {
        case .missing:
            return
        case .directory:
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if entries.isEmpty { return }
            let foreign = entries.filter {
                !knownNames.contains($0)
                    || PathKind.of((path as NSString).appendingPathComponent($0)) != .regular
            }.sorted()
            let runJSON = (path as NSString).appendingPathComponent("run.json")
            // Ours when its run.json is a JSON object naming topsim's version (whatever the key order).
            let ours = FileManager.default.contents(atPath: runJSON)
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
                .map { $0["topsim_version"] is String } ?? false
            if foreign.isEmpty && ours { return }
            let list = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
            throw OutputError(description: "'\(path)' holds files topsim did not write"
                + (foreign.isEmpty ? " (no topsim run.json)" : " (\(list))")
                + "; give a new or empty folder, or one an earlier 'topsim run --out' wrote (it is replaced whole)")
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
        try OutputFolder.checkReplaceable(target)
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
public func writeAtomically(_ files: [(name: String, contents: String)], to dir: String) throws {
    try OutputFolder(target: dir).commit(files)
}

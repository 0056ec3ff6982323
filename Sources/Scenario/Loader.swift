import TextKit
import Foundation

/// Why a file could not be read.
struct ReadFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Entry points: a file or a string in, a validated `Scenario` or every error out.
public enum ScenarioLoader {
    /// Reads and validates a scenario file. Throws `ScenarioErrors`.
    /// The largest scenario file read: far beyond any real scenario, and a bound on what
    /// `/dev/zero` or a runaway pipe can make validation hold.
    public static let maxFileBytes = 16 << 20

    public static func load(path: String, overrides: ScenarioOverrides = ScenarioOverrides()) throws -> Scenario {
        let data: Data
        switch readBounded(path, limit: maxFileBytes) {
        case .failure(let f):
            throw ScenarioErrors([Diagnostic(file: path, line: 1, column: 1, message: f.message)])
        case .success(let d):
            data = d
        }
        guard let text = String(data: data, encoding: .utf8) else {
            // Point at the first line that is not UTF-8.
            var line = 1
            for chunk in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                if String(data: Data(chunk), encoding: .utf8) == nil { break }
                line += 1
            }
            throw ScenarioErrors([Diagnostic(file: path, line: line, column: 1,
                                             message: "the file is not UTF-8 text")])
        }
        let dir = parentFolder(of: path)
        var s = try parse(text: text, fileName: path, directory: dir.isEmpty ? "." : dir, overrides: overrides)
        s.sourcePath = path
        return s
    }

    /// Reads at most `limit` bytes: a regular file, or a pipe until its writer closes it.
    /// Folders and devices are refused.
    static func readBounded(_ path: String, limit: Int) -> Result<Data, ReadFailure> {
        var st = stat()
        // The operating system's reason ("No such file or directory", "Permission denied").
        guard stat(path, &st) == 0 else { return .failure(ReadFailure("cannot read the file: " + String(cString: strerror(errno)))) }
        switch st.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO: break
        case S_IFDIR: return .failure(ReadFailure("is a folder, not a scenario file"))
        default: return .failure(ReadFailure("is not a regular file"))
        }
        guard let h = FileHandle(forReadingAtPath: path) else {
            // FileHandle gives no reason: ask open(2) for it.
            let fd = open(path, O_RDONLY)
            let reason = fd < 0 ? String(cString: strerror(errno)) : "unknown reason"
            if fd >= 0 { close(fd) }
            return .failure(ReadFailure("cannot read the file: " + reason))
        }
        defer { try? h.close() }
        do {
            let data = try h.read(upToCount: limit + 1) ?? Data()
            if data.count > limit { return .failure(ReadFailure("the file is larger than \(limit >> 20) MB")) }
            return .success(data)
        } catch {
            return .failure(ReadFailure("cannot read the file: \(error.localizedDescription)"))
        }
    }

    /// Validates scenario text. `directory` anchors `empirical(...)` paths (nil: none allowed).
    /// `overrides` are command-line values (`--duration`, `--replications`) checked as if the
    /// file held them; `sets` replace values of the text before it is checked (`topsim sweep
    /// --set`), and an error in one points at the value it replaces.
    public static func parse(text: String, fileName: String = "<scenario>", directory: String? = nil,
                             overrides: ScenarioOverrides = ScenarioOverrides(),
                             sets: [ScenarioOverride] = []) throws -> Scenario {
        let p = ScenarioParser(file: fileName, text: text, directory: directory)
        p.overrides = overrides
        p.sets = sets
        let scenario = p.parseDocument()
        if let s = scenario, p.diagnostics.isEmpty { return s }
        let sorted = p.diagnostics.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
        throw ScenarioErrors(sorted.isEmpty
            ? [Diagnostic(file: fileName, line: 1, column: 1, message: "the scenario is invalid")] : sorted)
    }
}

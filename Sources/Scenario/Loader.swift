import Foundation

/// Entry points: a file or a string in, a validated `Scenario` or every error out.
public enum ScenarioLoader {
    /// Reads and validates a scenario file. Throws `ScenarioErrors`.
    public static func load(path: String) throws -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioErrors([Diagnostic(file: path, line: 1, column: 1, message: "cannot read the file")])
        }
        let dir = (path as NSString).deletingLastPathComponent
        var s = try parse(text: text, fileName: path, directory: dir.isEmpty ? "." : dir)
        s.sourcePath = path
        return s
    }

    /// Validates scenario text. `directory` anchors `empirical(...)` paths (nil: none allowed).
    public static func parse(text: String, fileName: String = "<scenario>", directory: String? = nil) throws -> Scenario {
        throw ScenarioErrors([Diagnostic(file: fileName, line: 1, column: 1, message: "not implemented yet")])
    }
}

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
        let p = ScenarioParser(file: fileName, text: text, directory: directory)
        let scenario = p.parseDocument()
        if let s = scenario, p.diagnostics.isEmpty { return s }
        let sorted = p.diagnostics.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
        throw ScenarioErrors(sorted.isEmpty
            ? [Diagnostic(file: fileName, line: 1, column: 1, message: "the scenario is invalid")] : sorted)
    }
}

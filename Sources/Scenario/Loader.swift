import Foundation

/// Entry points: a file or a string in, a validated `Scenario` or every error out.
public enum ScenarioLoader {
    /// Reads and validates a scenario file. Throws `ScenarioErrors`.
    public static func load(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioErrors([Diagnostic(file: path, line: 1, column: 1, message: "cannot read the file")])
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
        let dir = (path as NSString).deletingLastPathComponent
        var s = try parse(text: text, fileName: path, directory: dir.isEmpty ? "." : dir)
        s.sourcePath = path
        return s
    }

    /// Validates scenario text. `directory` anchors `empirical(...)` paths (nil: none allowed).
    /// `overrides` replace values of the text before it is checked (`topsim sweep --set`);
    /// an error in one points at the value it replaces.
    public static func parse(text: String, fileName: String = "<scenario>", directory: String? = nil,
                             overrides: [ScenarioOverride] = []) throws -> Scenario {
        let p = ScenarioParser(file: fileName, text: text, directory: directory)
        p.overrides = overrides
        let scenario = p.parseDocument()
        if let s = scenario, p.diagnostics.isEmpty { return s }
        let sorted = p.diagnostics.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
        throw ScenarioErrors(sorted.isEmpty
            ? [Diagnostic(file: fileName, line: 1, column: 1, message: "the scenario is invalid")] : sorted)
    }
}

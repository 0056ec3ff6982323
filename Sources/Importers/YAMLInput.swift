import Foundation
import Yams

// Shared reading of YAML inputs (isotope graphs, Kubernetes manifests, decK files): documents
// as Yams nodes, which keep their line and column for error messages.

enum YAMLInput {
    /// The largest input file read (the scenario format's own limit is 16 MB; manifests of a
    /// few hundred services are far below this).
    static let maxBytes = 64 << 20

    /// Reads a file as UTF-8 text; errors name the file.
    static func read(_ path: String) throws -> String {
        let url = URL(fileURLWithPath: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImportError(file: path, "no such file")
        }
        if isDir.boolValue { throw ImportError(file: path, "is a folder, not a file") }
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attrs?[.size] as? Int, size > maxBytes {
            throw ImportError(file: path, "the file is larger than \(maxBytes >> 20) MB")
        }
        guard let data = try? Data(contentsOf: url) else { throw ImportError(file: path, "cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw ImportError(file: path, "the file is not UTF-8 text") }
        return text
    }

    /// Every YAML document of `text` (empty documents skipped).
    static func documents(_ text: String, file: String) throws -> [Node] {
        do {
            return try Yams.compose_all(yaml: text).compactMap { $0 }
        } catch let e as YamlError {
            throw error(e, file: file)
        }
    }

    static func error(_ e: YamlError, file: String) -> ImportError {
        switch e {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ImportError(file: file, line: mark.line, column: mark.column, "YAML syntax error: \(problem)")
        default:
            return ImportError(file: file, "YAML syntax error: \(e)")
        }
    }
}

extension Node {
    /// Line of the node (1 when unknown).
    var line: Int { mark?.line ?? 1 }
    var column: Int { mark?.column ?? 1 }

    /// The keys of a mapping in file order (empty for other nodes).
    var keys: [String] { mapping.map { $0.keys.compactMap(\.string) } ?? [] }

    /// A scalar's text, whatever YAML would resolve it to (`5`, `true`, `1 KB`).
    var text: String? {
        if case let .scalar(s) = self { return s.string }
        return nil
    }
}

import Foundation

/// Golden text files: the one comparison harness for every test that checks output
/// against a file kept in git. `UPDATE_GOLDEN=1` rewrites the files instead of
/// comparing (review the diff); a missing file is a failure, never a silent pass.
public enum Golden {
    /// True when the run is asked to rewrite goldens.
    public static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" }

    /// Compares `actual` with the golden at `url`: nil when equal (or rewritten), else
    /// the failure message naming the first differing line with both versions of it.
    public static func mismatch(_ actual: String, golden url: URL) throws -> String? {
        if updating {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return nil
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            return "missing golden \(url.path); run with UPDATE_GOLDEN=1 and review it"
        }
        return difference(expected: expected, actual: actual, name: url.lastPathComponent)
    }

    /// nil when the texts are equal, else where they first differ.
    public static func difference(expected: String, actual: String, name: String) -> String? {
        guard expected != actual else { return nil }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
        return """
            \(name) differs from its golden at line \(first + 1) of \(e.count) (UPDATE_GOLDEN=1 rewrites):
            expected: \(first < e.count ? String(e[first]) : "<none>")
            actual:   \(first < a.count ? String(a[first]) : "<none>")
            """
    }
}

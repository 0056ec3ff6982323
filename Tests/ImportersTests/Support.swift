import Foundation
import Importers
import Scenario
import Topology

/// Fixtures (read by path: they are not bundled) and a scratch folder per test.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ rel: String) -> String { root.appendingPathComponent(rel).path }

    static func scratch() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("topsim-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// Writes the draft's scenario and sample files into `dir` and loads the scenario, as
    /// `topsim import -o dir/scenario.yaml` followed by `topsim run` would.
    static func load(_ d: ImportDraft, in dir: URL) throws -> Scenario {
        let file = dir.appendingPathComponent("scenario.yaml")
        try Data(ScenarioWriter.write(d, header: ["test"]).utf8).write(to: file)
        for f in d.samples { try Data(ScenarioWriter.samples(f).utf8).write(to: dir.appendingPathComponent(f.name)) }
        return try ScenarioLoader.load(path: file.path)
    }

    /// App traversals per finished request of one topology's first replication.
    static func appTraversalsPerRequest(_ m: TopologyMetrics) -> Double {
        Double(m.hops[HopKind.app.rawValue].traversals) / Double(m.requests)
    }
}

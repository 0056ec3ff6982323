import ArgumentParser
import Foundation
import Importers
import Scenario

/// `topsim import isotope|kubernetes|traces`: a scenario from what users already have
/// (docs/import.md). Prints the scenario on stdout or writes it to `-o FILE`; `empirical()`
/// sample files go next to it (the current folder with stdout). Every value carries a comment
/// saying where it came from; every field that could not be mapped is a `note:` on stderr.
/// The scenario is validated before anything is written: nothing is half-written. `-o`
/// makes the folders it names when they do not exist.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write a scenario from an isotope graph, Kubernetes/Istio/Kong files, or a trace export.",
        discussion: "The mapping, field by field, is in docs/import.md.",
        subcommands: [Isotope.self, Kubernetes.self, Traces.self])

    struct Output: ParsableArguments {
        @Option(name: .shortAndLong, help: "Write the scenario to FILE (sample files go next to it) instead of stdout.")
        var output: String?

        // `.unconditional`: `--rate -5` is a (bad) rate, answered by validate(), not an unknown flag.
        @Option(parsing: .unconditional, help: "Requests per second into each entry service (e.g. 200); overrides what the input implies.")
        var rate: Double?

        func validate() throws {
            if let r = rate, !(r > 0 && r <= 1e9) { throw ValidationError("--rate must be above 0 and at most 1e9 (requests per second)") }
        }
    }

    struct Isotope: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An isotope service graph (istio/tools isotope MockServiceGraph YAML) to a scenario.")
        @Argument(help: "The service-graph YAML file.") var file: String
        @OptionGroup var out: Output
        func run() throws {
            try ImportCommand.emit(command: "isotope \(file)", out: out) {
                try IsotopeImporter.importFile(file, options: .init(rate: out.rate))
            }
        }
    }

    struct Kubernetes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Kubernetes manifests, Istio VirtualService/DestinationRule/PeerAuthentication and Kong decK files to a scenario.",
            discussion: "Manifests hold no call graph: give it with --graph (an isotope graph or a trace export).")
        @Argument(help: "Files and folders (read recursively: .yaml, .yml, .json).") var paths: [String]
        @Option(help: "An isotope graph or a trace export giving the services, their calls and service times.") var graph: String?
        @Option(help: "With a trace export from `topsim run --trace-sample`: the topology whose traces to read.") var topology: String?
        @OptionGroup var out: Output
        func validate() throws { if paths.isEmpty { throw ValidationError("give at least one file or folder") } }
        func run() throws {
            try ImportCommand.emit(command: "kubernetes \(paths.joined(separator: " "))" + (graph.map { " --graph \($0)" } ?? ""), out: out) {
                try KubernetesImporter.importPaths(paths, options: .init(graph: graph, rate: out.rate, topology: topology))
            }
        }
    }

    struct Traces: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A Jaeger JSON, Zipkin v2 JSON or OTLP JSON trace export to a scenario.")
        @Argument(help: "The trace export (JSON).") var file: String
        @Option(help: "With an export from `topsim run --trace-sample`: the topology whose traces to read (default: the first).") var topology: String?
        @Option(help: "Self-time samples kept per service (at most 1000000).") var maxSamples: Int = 100_000
        @OptionGroup var out: Output
        func validate() throws {
            if !(1...1_000_000).contains(maxSamples) { throw ValidationError("--max-samples must be from 1 to 1000000") }
        }
        func run() throws {
            try ImportCommand.emit(command: "traces \(file)", out: out) {
                try TracesImporter.importFile(file, options: .init(rate: out.rate, topology: topology, maxSamples: maxSamples))
            }
        }
    }

    static func stderr(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    /// Imports, validates in a temporary folder, then moves the files into place (or prints).
    static func emit(command: String, out: Output, _ build: () throws -> ImportDraft) throws {
        let draft: ImportDraft
        do { draft = try build() } catch let e as ImportError {
            stderr(e.description)
            throw ExitCode(2)
        }
        let text = ScenarioWriter.write(draft, header: ["Imported by `topsim import \(command)`."])
        let fm = FileManager.default
        let target = out.output.map { URL(fileURLWithPath: $0) }
        let folder = target?.deletingLastPathComponent() ?? URL(fileURLWithPath: fm.currentDirectoryPath)
        let scenarioName = target?.lastPathComponent ?? "imported.yaml"
        let temp = folder.appendingPathComponent(".topsim-import-\(ProcessInfo.processInfo.processIdentifier)")
        // `-o mine/scenario.yaml` into a folder not made yet (as docs/getting-started.md does):
        // the folders are made, and removed again when the import fails (nothing half-written).
        var made: URL?
        var up = folder
        while !fm.fileExists(atPath: up.path) {
            made = up
            let parent = up.deletingLastPathComponent()
            if parent.path == up.path { break }
            up = parent
        }
        var finished = false
        defer { if !finished, let made { try? fm.removeItem(at: made) } }
        do {
            if made != nil { try fm.createDirectory(at: folder, withIntermediateDirectories: true) }
            try fm.createDirectory(at: temp, withIntermediateDirectories: false)
        } catch {
            stderr("error: cannot write into '\(folder.path)': \(error.localizedDescription)")
            throw ExitCode(2)
        }
        defer { try? fm.removeItem(at: temp) }
        do {
            try Data(text.utf8).write(to: temp.appendingPathComponent(scenarioName))
            for f in draft.samples {
                try Data(ScenarioWriter.samples(f).utf8).write(to: temp.appendingPathComponent(f.name))
            }
        } catch {
            stderr("error: cannot write into '\(folder.path)': \(error.localizedDescription)")
            throw ExitCode(2)
        }
        do {
            _ = try ScenarioLoader.load(path: temp.appendingPathComponent(scenarioName).path)
        } catch let e as ScenarioErrors {
            stderr("error: the imported scenario does not validate (please report this with the input):")
            for d in e.diagnostics { stderr(d.description) }
            throw ExitCode(1)
        }
        for n in draft.notes { stderr("note: \(n)") }
        var moved: [String] = []
        do {
            for f in draft.samples {
                let dest = folder.appendingPathComponent(f.name)
                if fm.fileExists(atPath: dest.path) { try fm.removeItem(at: dest) }
                try fm.moveItem(at: temp.appendingPathComponent(f.name), to: dest)
                moved.append(dest.path)
            }
            if let target {
                if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
                try fm.moveItem(at: temp.appendingPathComponent(scenarioName), to: target)
            }
        } catch {
            stderr("error: cannot write '\(folder.path)': \(error.localizedDescription)")
            throw ExitCode(2)
        }
        finished = true
        if !moved.isEmpty {
            stderr("note: wrote \(moved.count) sample file\(moved.count == 1 ? "" : "s") for empirical() next to the scenario: \(draft.samples.map(\.name).joined(separator: ", "))")
        }
        if target == nil { print(text, terminator: "") }
    }
}

import ArgumentParser
import Scenario

// What the shell completion scripts (`topsim --generate-completion-script bash|zsh|fish`)
// offer for arguments: ArgumentParser's CompletionKind (its docs: "Customizing Completions").

extension CompletionKind {
    /// Scenario files: names ending in .yaml or .yml (the shells still descend into folders).
    static var scenarioFile: CompletionKind { .file(extensions: ["yaml", "yml"]) }
}

/// The built-in comparison's topology names, offered for `tui --select` beside the kinds
/// (a scenario file's own names are not known until it is read).
let builtinTopologyNames: [String] = (try? BuiltinScenarios.compareAllScenario().topologies.map(\.name)) ?? []

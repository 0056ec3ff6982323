import ArgumentParser
import Foundation

@main
struct Topsim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topsim",
        abstract: "Compare how traffic-control topologies behave: sidecar meshes, API gateways, both, and sidecar-less meshes.",
        version: TopsimVersion.string,
        subcommands: [TuiCommand.self, RunCommand.self, CheckCommand.self, ValidateCommand.self,
                      PresetsCommand.self, ChecklistCommand.self, SweepCommand.self, MergeCommand.self,
                      CapacityCommand.self],
        defaultSubcommand: nil
    )

    /// Usage errors exit 2 (CLI.md), not swift-argument-parser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}

enum TopsimVersion {
    static let string = "0.1.0"
}

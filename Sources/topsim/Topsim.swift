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
                      CapacityCommand.self, ImportCommand.self],
        defaultSubcommand: nil
    )

    /// Usage errors exit 2 with a lowercase `error:` line (CLI.md), not swift-argument-parser's
    /// `Error:` and 64; help and version exit 0; our own exit statuses pass through.
    static func main() {
        installTerminationHandlers()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if error is ExitCode || exitCode(for: error) == .success { exit(withError: error) }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst("Error: ".count) }
            if !message.hasPrefix("error:") { message = "error: " + message }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            exit(withError: ExitCode(2))
        }
    }
}

enum TopsimVersion {
    static let string = "0.1.0"
}

import ArgumentParser

@main
struct Topsim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topsim",
        abstract: "Compare how traffic-control topologies behave: sidecar meshes, API gateways, both, and sidecar-less meshes.",
        version: TopsimVersion.string,
        subcommands: [TuiCommand.self, RunCommand.self, CheckCommand.self, ValidateCommand.self,
                      PresetsCommand.self, ChecklistCommand.self],
        defaultSubcommand: nil
    )
}

enum TopsimVersion {
    static let string = "0.1.0"
}

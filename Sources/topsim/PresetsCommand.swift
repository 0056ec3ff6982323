import ArgumentParser

struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "presets", abstract: "Not built yet.")
    func run() throws {
        throw ValidationError("'topsim presets' is not built yet")
    }
}

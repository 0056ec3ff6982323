import ArgumentParser

struct TuiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui", abstract: "Not built yet.")
    func run() throws {
        throw ValidationError("'topsim tui' is not built yet")
    }
}

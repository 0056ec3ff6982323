import ArgumentParser

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Not built yet.")
    func run() throws {
        throw ValidationError("'topsim validate' is not built yet")
    }
}

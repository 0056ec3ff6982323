import ArgumentParser

struct ChecklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checklist", abstract: "Not built yet.")
    func run() throws {
        throw ValidationError("'topsim checklist' is not built yet")
    }
}

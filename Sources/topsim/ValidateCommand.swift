import ArgumentParser
import Foundation
import Scenario

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Parse and check scenario files; runs nothing.",
        discussion: """
        Prints 'FILE: ok (N services, M topologies, K faults, E expectations)' for each valid file, \
        then FILE:LINE:COLUMN: note: ... for each fault or key that cannot act as written \
        (a fault a topology has nothing for, a prestop not shorter than termination_grace, ...), \
        and every problem of an invalid one as FILE:LINE:COLUMN: error: ... on stderr. \
        Exit status 2 when any file is invalid. The format is described in docs/scenario-format.md.
        """
    )

    @Argument(help: "Scenario files (YAML).", completion: .scenarioFile)
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one scenario file") }
    }

    func run() throws {
        var bad = false
        for path in files {
            do {
                let s = try ScenarioLoader.load(path: path)
                print("\(path): ok (\(counted(s.services.count, "service")), \(counted(s.topologies.count, "topology", "topologies")), "
                    + "\(counted(s.faults.count, "fault")), \(counted(s.expectations.count, "expectation")))")
                // Faults and keys that cannot act as written (Scenario/Applicability.swift).
                for n in s.notes() {
                    print(ControlCharacters.escaped("\(path):\(n.line):\(n.column): note: \(n.message)"))
                }
                for n in s.parseNotes + s.connectionNotes {
                    print(ControlCharacters.escaped("\(path):\(n.line):\(n.column): note: \(n.text)"))
                }
                for n in s.adoptionNotes {
                    print(ControlCharacters.escaped("\(path):\(n.line):\(n.column): note: \(n.message)"))
                }
            } catch let e as ScenarioErrors {
                bad = true
                for d in e.diagnostics { printError(d.description) }
            }
        }
        if bad { throw ExitCode(2) }
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// "1 fault", "2 faults": a count and its noun in the number it takes (`plural`: the noun
/// with "s" unless given).
func counted(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(n) " + (n == 1 ? singular : plural ?? singular + "s")
}

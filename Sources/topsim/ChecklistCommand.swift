import ArgumentParser
import Foundation
import Report

struct ChecklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "A production-readiness checklist, evaluated for each topology of a scenario.",
        discussion: """
        Control plane HA, sidecar resource limits, strict mTLS, per-consumer rate limits, gateway \
        replicas, access logs, tracing, configuration in version control, a load test (the peak \
        rate against every station's capacity) and a rollback plan: each PASS, WARN, FAIL or n/a \
        with its reason. Nothing is simulated. Exit status 1 when any item fails, 2 on invalid input. \
        The rules are in docs/choosing-a-topology.md.
        """)

    @Argument(help: "The scenario file.", completion: .scenarioFile)
    var scenario: String

    func run() throws {
        let s = try loadScenarioOrExit(scenario)
        let list: Checklist
        do { list = try Checklist.evaluate(s) } catch { fail("\(error)") }
        print(list.table(), terminator: "")
        if list.hasFailures { throw ExitCode(1) }
    }
}

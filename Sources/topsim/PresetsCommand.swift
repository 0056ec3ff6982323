import ArgumentParser
import Calibration
import Foundation

struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "List the calibration presets, or print every value of one with its published source.")

    @Argument(help: "A preset name or alias (e.g. istio-envoy, linkerd, kong). Omit to list them all.",
              completion: .list(PresetRegistry.names))
    var name: String?

    func run() throws {
        guard let name else {
            print(PresetFormat.table(PresetRegistry.all, aliases: PresetRegistry.aliases), terminator: "")
            return
        }
        guard let preset = PresetRegistry.preset(named: name) else {
            var message = "error: unknown preset '\(name)'"
            if let s = PresetFormat.suggestion(for: name, among: PresetRegistry.names) {
                message += " (did you mean '\(s)'?)"
            } else {
                // Nothing close: name them all, so the next try need not be a guess.
                message += "; the presets are " + PresetRegistry.names.joined(separator: ", ")
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            throw ExitCode(2)
        }
        print(PresetFormat.detail(preset, aliases: PresetRegistry.aliases), terminator: "")
    }
}

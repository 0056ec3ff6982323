import Foundation
import Report
import Scenario
import Topology

// Feeds arbitrary bytes to the scenario parser and *runs* every input it accepts, for a
// bounded simulated time: nothing validation accepts may trap, hang or write a report
// that does not render. Built by Tests/Fuzz/run.sh (libFuzzer supplies main under
// -DFUZZING); a plain build replays files, to reproduce a finding under a debugger.

/// Simulated time each accepted input runs for (through the same override and limits as
/// `topsim run --duration`): long enough to pass warm-up, faults and windows, short
/// enough that libFuzzer's per-input timeout only fires on a real hang.
let fuzzDuration = "200us"

func checkOne(_ data: Data) {
    let text = String(decoding: data, as: UTF8.self)
    let full: Scenario
    do {
        full = try ScenarioLoader.parse(text: text, fileName: "fuzz.yaml", directory: nil)
    } catch let e as ScenarioErrors {
        precondition(e.diagnostics.allSatisfy { $0.line >= 1 && $0.column >= 1 }, "diagnostic without a position")
        return
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
    // The accepted file, shortened (and with one replication) the way the CLI would.
    // A shorter run may now be invalid (a fault after its end): that is a clean rejection.
    let short = min(full.duration, 200_000)
    let s: Scenario
    do {
        s = try ScenarioLoader.parse(text: text, fileName: "fuzz.yaml", directory: nil,
                                     overrides: ScenarioOverrides(duration: short == full.duration ? nil : fuzzDuration,
                                                                  replications: 1))
    } catch let e as ScenarioErrors {
        precondition(e.diagnostics.allSatisfy { !$0.description.isEmpty }, "empty diagnostic")
        return
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
    // Sizes the release corpus (Tests/RobustnessTests/Extreme) runs in a fraction of a
    // second take longer than libFuzzer's timeout in this debug, address-sanitised build:
    // run only inputs of moderate size, so that a timeout means a hang.
    let instances = s.services.reduce(0) { $0 + $1.replicas }
    let clients = s.traffic.reduce(0) { $0 + ($1.clients ?? 0) }
    let arrivals = s.traffic.reduce(0.0) { $0 + Limits.expectedArrivals($1, warmup: s.warmup, duration: s.duration) }
    guard instances <= 2_000, clients <= 10_000, s.cluster.nodes <= 2_000, s.services.count <= 64,
          s.faults.count <= 64, s.topologies.count <= 10, Limits.windowCount(s) <= 5_000,
          arrivals * Double(s.topologies.count) <= 20_000 else { return }
    let result: Runner.Result
    do {
        result = try Runner.run(s, options: Runner.Options(jobs: 1))
    } catch {
        // A preset problem the compiler reports is an input error, not a crash.
        return
    }
    // Every report renders, and every CSV cell is neutralised.
    let files = Reports.files(result) + [("verdict.csv", Verdict.evaluate(result: result).csv())]
    for (name, contents) in files {
        precondition(!contents.isEmpty, "\(name) is empty")
        if name.hasSuffix(".csv") {
            for cell in csvCells(contents) where CSVFormula.isFormula(cell) {
                preconditionFailure("formula cell in \(name): \(cell)")
            }
        }
    }
    _ = Reports.summaryTable(result)
    _ = ExpectationCheck.evaluate(result)
}

/// Every cell of an RFC 4180 text, unquoted.
func csvCells(_ text: String) -> [String] {
    var cells: [String] = [], cell = "", quoted = false, prev: Character = ","
    for ch in text {
        if quoted {
            if ch == "\"" { quoted = false } else { cell.append(ch) }
        } else if ch == "\"" {
            if prev == "\"" { cell.append("\"") }
            quoted = true
        } else if ch == "," || ch == "\r\n" || ch == "\n" {
            cells.append(cell); cell = ""
        } else {
            cell.append(ch)
        }
        prev = ch
    }
    return cells
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    checkOne(Data(bytes: bytes, count: count))
    return 0
}

typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: FuzzCallback) -> CInt

// SwiftPM links an executable's entry point under this name; hand control to libFuzzer's driver.
@_cdecl("scenario_run_fuzz_main")
public func scenarioRunFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, fuzzOne)
}
#else
@main
struct RunFuzzReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let d = FileManager.default.contents(atPath: path) else { print("\(path): unreadable"); continue }
            checkOne(d)
            print("\(path): ok")
        }
    }
}
#endif

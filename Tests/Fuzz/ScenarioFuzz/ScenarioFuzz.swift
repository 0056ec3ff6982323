import Foundation
import Scenario

// Feeds arbitrary bytes to the scenario parser. Built by Tests/Fuzz/run.sh with
// -sanitize=fuzzer,address and -DFUZZING (libFuzzer supplies main); a plain
// build gets a main that replays files, to reproduce a crash under a debugger.

/// Every input must either parse or fail with positioned diagnostics; anything else traps.
func checkOne(_ data: Data) {
    let text = String(decoding: data, as: UTF8.self)
    do {
        let s = try ScenarioLoader.parse(text: text, fileName: "fuzz.yaml", directory: nil)
        precondition(!s.services.isEmpty && !s.topologies.isEmpty && !s.traffic.isEmpty, "valid scenario without content")
        precondition(s.warmup < s.duration, "warmup not below duration")
        for f in s.faults { precondition(f.at < s.duration, "fault after the end") }
    } catch let e as ScenarioErrors {
        precondition(!e.diagnostics.isEmpty, "error without diagnostics")
        for d in e.diagnostics {
            precondition(d.line >= 1 && d.column >= 1, "diagnostic without a position: \(d)")
            precondition(!d.message.isEmpty, "empty message")
        }
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
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
@_cdecl("scenario_fuzz_main")
public func scenarioFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, fuzzOne)
}
#else
@main
struct ScenarioFuzzReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let d = FileManager.default.contents(atPath: path) else { print("\(path): unreadable"); continue }
            checkOne(d)
            print("\(path): ok")
        }
    }
}
#endif

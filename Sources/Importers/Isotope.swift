import Foundation
import Yams

/// Imports an isotope service graph (istio/tools `isotope/`, the `MockServiceGraph` YAML that
/// Istio's own benchmarks run) as a scenario.
///
/// The format, as isotope's converter reads it (`isotope/convert/pkg/graph`): a top-level
/// `defaults` (type, errorRate, requestSize, responseSize, script, numReplicas) and `services`,
/// each with `name`, `numReplicas` (default 1), `isEntrypoint`, `errorRate` (0..1 or `"N%"`),
/// `responseSize`, `type` (http or grpc), `namespace`, `cluster`, `labels` and a `script`: steps
/// run in order, each `sleep: DURATION` (a Go duration), `call: SERVICE` or
/// `call: { service, hostname, size, probability (1..100, unset = always), extra-header }`, or a
/// list of such commands run concurrently (one level only).
///
/// Mapping (docs/import.md): sleeps are the service's own time (`const(...)`: topsim runs a
/// service's own time before its calls, so a sleep after a call is moved before it, and a
/// sleep inside a concurrent group counts its longest); calls and concurrent groups become
/// `calls` steps and parallel groups; `probability` becomes the call's probability;
/// `errorRate` → `errors`; `numReplicas` → `replicas`; each entrypoint gets a traffic source.
/// Sizes, types, namespaces, clusters, labels and headers have no scenario field: noted.
public enum IsotopeImporter {
    public struct Options: Sendable {
        /// Requests per second into each entrypoint (isotope graphs carry no rate: fortio's qps
        /// is in the run configuration). nil: 100/s.
        public var rate: Double?
        public init(rate: Double? = nil) { self.rate = rate }
    }

    /// Reads and imports the graph at `path`.
    public static func importFile(_ path: String, options: Options = Options()) throws -> ImportDraft {
        try importText(try YAMLInput.read(path), file: path, options: options)
    }

    /// One command of a script.
    enum Command {
        case sleep(Int64, Node)
        case call(DraftCall, Node)
        case concurrent([Command], Node)
    }

    struct Defaults {
        var errorRate: Sourced<Double>?
        var numReplicas: Sourced<Int>?
        var script: (Node, String)?
        var type: String?
    }

    /// Imports graph text; `file` names it in sources and errors.
    public static func importText(_ text: String, file: String, options: Options = Options()) throws -> ImportDraft {
        let base = (file as NSString).lastPathComponent
        let docs = try YAMLInput.documents(text, file: file)
        guard docs.count == 1, let root = docs.first, root.mapping != nil else {
            throw ImportError(file: file, docs.isEmpty ? "the file is empty; an isotope graph has 'services:'"
                              : docs.count > 1 ? "an isotope graph is one YAML document; found \(docs.count)"
                              : "an isotope graph is a mapping with 'services:'")
        }
        var draft = ImportDraft(name: ScenarioWriter.serviceName((base as NSString).deletingPathExtension).name,
                                description: "Imported from the isotope service graph \(base).")
        var notes: [String] = []
        for k in root.keys where !["apiVersion", "kind", "defaults", "default", "services"].contains(k) {
            notes.append("\(base): '\(k)' has no scenario field; ignored")
        }

        // Defaults: `defaults` in the converter's code; the README's example spells it `default`.
        var defaults = Defaults()
        let defaultsKey = root["defaults"] != nil ? "defaults" : "default"
        var sizeFields: [String] = []
        if let d = root[defaultsKey] {
            guard d.mapping != nil else { throw ImportError(file: file, line: d.line, column: d.column, "'\(defaultsKey)' must be a mapping") }
            for k in d.keys {
                guard let v = d[k] else { continue }
                let src = "\(base):\(defaultsKey).\(k)"
                switch k {
                case "errorRate": defaults.errorRate = Sourced(try percentage(v, file: file), src)
                case "numReplicas": defaults.numReplicas = Sourced(try count(v, file: file, what: k), src)
                case "script": defaults.script = (v, src)
                case "type": defaults.type = v.text
                case "requestSize", "responseSize": sizeFields.append(src)
                default: notes.append("\(src) has no scenario field; ignored")
                }
            }
        }
        guard let servicesNode = root["services"], let list = servicesNode.sequence else {
            throw ImportError(file: file, line: root.line, column: root.column, "an isotope graph needs 'services:', a list of services")
        }

        // First pass: names, so calls can be checked and renamed.
        var rename: [String: String] = [:]
        var used = Set<String>()
        for (i, s) in list.enumerated() {
            guard let name = s["name"]?.text, !name.isEmpty else {
                throw ImportError(file: file, line: s.line, column: s.column, "services[\(i)] needs a 'name'")
            }
            guard rename[name] == nil else {
                throw ImportError(file: file, line: s["name"]?.line ?? s.line, column: s["name"]?.column ?? s.column, "service '\(name)' is listed twice")
            }
            var n = ScenarioWriter.serviceName(name).name
            while used.contains(n) { n += "-2" }
            if n != name { notes.append("\(base): service '\(name)' is named '\(n)' in the scenario (the format allows letters, digits, '.', '_' and '-')") }
            rename[name] = n
            used.insert(n)
        }

        var entrypoints: [(String, String)] = []
        var typed: [String] = [], namespaced: [String] = [], clustered: [String] = [], labelled: [String] = [], headers: [String] = []
        for (i, s) in list.enumerated() {
            let raw = s["name"]?.text ?? ""
            let name = rename[raw] ?? raw
            let at = "\(base):services[\(i)]"
            // Script: the service's own, or the defaults'.
            var scriptNode: Node?
            var scriptSource = "\(at).script"
            if let sc = s["script"] { scriptNode = sc } else if let (sc, src) = defaults.script { scriptNode = sc; scriptSource = src }
            let commands = try scriptNode.map { try script($0, file: file, names: rename) } ?? []
            var sleep: Int64 = 0
            var steps: [DraftStep] = []
            var sawCall = false
            var movedSleep = false, groupSleep = false
            for (k, c) in commands.enumerated() {
                let src = "\(scriptSource)[\(k)]"
                switch c {
                case let .sleep(ns, _):
                    sleep += ns
                    if sawCall { movedSleep = true }
                case let .call(call, _):
                    sawCall = true
                    steps.append(DraftStep(calls: [call], source: src + ".call"))
                case let .concurrent(cs, _):
                    var calls: [DraftCall] = []
                    var longest: Int64 = 0
                    for c in cs {
                        if case let .call(call, _) = c { calls.append(call) }
                        if case let .sleep(ns, _) = c { longest = max(longest, ns) }
                    }
                    if longest > 0 {
                        sleep += longest
                        if !calls.isEmpty { groupSleep = true }
                        if sawCall { movedSleep = true }
                    }
                    if !calls.isEmpty {
                        sawCall = true
                        steps.append(DraftStep(calls: calls, source: src + " (concurrent)"))
                    }
                }
            }
            if movedSleep {
                notes.append("\(scriptSource): a sleep after a call is run before the calls (topsim runs a service's own time first); the total \(ScenarioWriter.duration(nanoseconds: sleep)) is kept")
            }
            if groupSleep {
                notes.append("\(scriptSource): a sleep inside a concurrent group is added to the service's own time; its overlap with the group's calls is lost")
            }
            let timeSource = sleep > 0 ? "\(scriptSource): sum of sleeps"
                : "\(scriptSource): no sleep (isotope's own handling time is not modelled; set it here)"
            var svc = DraftService(name: name, serviceTime: Sourced("const(\(ScenarioWriter.duration(nanoseconds: sleep)))", timeSource))
            svc.steps = steps
            if let r = s["numReplicas"] {
                svc.replicas = Sourced(try count(r, file: file, what: "numReplicas"), "\(at).numReplicas")
            } else {
                svc.replicas = defaults.numReplicas ?? Sourced(1, "default: isotope's numReplicas default")
            }
            if let e = s["errorRate"] {
                svc.errors = Sourced(try percentage(e, file: file), "\(at).errorRate")
            } else { svc.errors = defaults.errorRate }
            svc.workers = nil
            draft.services.append(svc)
            if let e = s["isEntrypoint"], e.bool == true { entrypoints.append((name, "\(at).isEntrypoint")) }
            for k in s.keys {
                switch k {
                case "name", "script", "numReplicas", "errorRate", "isEntrypoint": break
                case "responseSize", "requestSize": sizeFields.append("\(at).\(k)")
                case "type": if let t = s[k]?.text, t != "http" { typed.append("\(name) (\(t))") }
                case "namespace": namespaced.append(name)
                case "cluster": clustered.append(name)
                case "labels": labelled.append(name)
                default: notes.append("\(at).\(k) has no scenario field; ignored")
                }
            }
            for c in commands { collectCallExtras(c, service: name, sizes: &sizeFields, headers: &headers) }
        }
        if let t = defaults.type, t != "http" { typed.insert("every service by default (\(t))", at: 0) }
        if !sizeFields.isEmpty {
            notes.append("\(base): request and response sizes are not mapped (topsim does not model payload sizes): \(summary(sizeFields))")
        }
        if !typed.isEmpty { notes.append("\(base): 'type' is not mapped (every call is modelled alike, HTTP or gRPC): \(summary(typed))") }
        if !namespaced.isEmpty { notes.append("\(base): 'namespace' is not mapped (topsim has no namespaces): \(summary(namespaced))") }
        if !clustered.isEmpty { notes.append("\(base): 'cluster' is not mapped (set cluster.clusters and a service's cluster: N by hand): \(summary(clustered))") }
        if !labelled.isEmpty { notes.append("\(base): 'labels' are not mapped: \(summary(labelled))") }
        if !headers.isEmpty { notes.append("\(base): calls' hostname and extra-header are not mapped: \(summary(headers))") }

        breakCycles(&draft, notes: &notes)

        if entrypoints.isEmpty {
            // Without an entrypoint isotope's client has nothing to call; take the services nobody calls.
            let called = Set(draft.services.flatMap { $0.steps.flatMap { $0.calls.map(\.service) } })
            entrypoints = draft.services.filter { !called.contains($0.name) }.map { ($0.name, "default: no isEntrypoint; nobody calls it") }
            notes.append("\(base): no service has isEntrypoint: true; traffic goes to the services nobody calls (\(entrypoints.map(\.0).joined(separator: ", ")))")
        }
        let rate = options.rate.map { Sourced($0, "--rate") }
            ?? Sourced(100.0, "default: isotope graphs carry no rate (fortio's qps is in the run config); use --rate")
        draft.traffic = entrypoints.map { DraftTraffic(name: "to-" + $0.0, to: $0.0, toSource: $0.1, rate: rate) }
        draft.topologies = ImportDraft.defaultTopologies()
        draft.notes = notes
        return draft
    }

    static func summary(_ items: [String]) -> String {
        items.count <= 6 ? items.joined(separator: ", ") : items.prefix(5).joined(separator: ", ") + " and \(items.count - 5) more"
    }

    static func collectCallExtras(_ c: Command, service: String, sizes: inout [String], headers: inout [String]) {
        switch c {
        case .sleep: break
        case let .call(_, node):
            if let m = node.mapping {
                for k in m.keys.compactMap(\.string) {
                    if k == "size" { sizes.append("\(service) call size") }
                    if k == "hostname" || k == "extra-header" { headers.append("\(service) \(k)") }
                }
            }
        case let .concurrent(cs, _):
            for c in cs { collectCallExtras(c, service: service, sizes: &sizes, headers: &headers) }
        }
    }

    /// The commands of a script node.
    static func script(_ node: Node, file: String, names: [String: String]) throws -> [Command] {
        guard let seq = node.sequence else {
            throw ImportError(file: file, line: node.line, column: node.column, "a script is a list of steps (sleep:, call:, or a list of them run concurrently)")
        }
        return try seq.map { try command($0, file: file, names: names, nested: false) }
    }

    static func command(_ n: Node, file: String, names: [String: String], nested: Bool) throws -> Command {
        if let seq = n.sequence {
            if nested { throw ImportError(file: file, line: n.line, column: n.column, "concurrent commands may not be nested (isotope allows one level)") }
            return .concurrent(try seq.map { try command($0, file: file, names: names, nested: true) }, n)
        }
        guard let m = n.mapping, m.count == 1, let key = m.keys.first?.string, let v = m.values.first else {
            throw ImportError(file: file, line: n.line, column: n.column, "a script step is 'sleep: DURATION', 'call: SERVICE' or a list of them (one key per step)")
        }
        switch key {
        case "sleep":
            guard let t = v.text, let ns = goDuration(t) else {
                throw ImportError(file: file, line: v.line, column: v.column, "'\(v.text ?? "")' is not a duration (write e.g. 10ms, 1.5s)")
            }
            return .sleep(ns, v)
        case "call":
            let target: String?
            var probability = 1.0
            if let s = v.text { target = s } else {
                target = v["service"]?.text
                if let p = v["probability"] {
                    guard let x = p.int, (0...100).contains(x) else {
                        throw ImportError(file: file, line: p.line, column: p.column, "'probability' is a whole number of percent from 0 to 100 (unset or 0: always)")
                    }
                    if x > 0 { probability = Double(x) / 100 }
                }
            }
            guard let target else { throw ImportError(file: file, line: v.line, column: v.column, "a call needs 'service'") }
            guard let name = names[target] else {
                throw ImportError(file: file, line: v.line, column: v.column, "cannot call undefined service '\(target)'")
            }
            return .call(DraftCall(service: name, probability: probability), v)
        default:
            throw ImportError(file: file, line: n.line, column: n.column, "unknown command '\(key)' (isotope has sleep and call)")
        }
    }

    /// Go's time.ParseDuration: a sequence of decimal numbers with units ns, us (µs, μs), ms,
    /// s, m, h, e.g. `1h30m`, `1.5s`, `300ms`. Returns nanoseconds; nil if malformed or negative.
    public static func goDuration(_ text: String) -> Int64? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        if s == "0" { return 0 }
        guard !s.isEmpty, !s.hasPrefix("-") else { return nil }
        if s.hasPrefix("+") { s = s.dropFirst() }
        var total = 0.0
        while !s.isEmpty {
            let num = s.prefix { $0.isNumber || $0 == "." }
            guard !num.isEmpty, let v = Double(num) else { return nil }
            s = s.dropFirst(num.count)
            let unit = s.prefix { !($0.isNumber || $0 == ".") }
            s = s.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs", "μs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return nil
            }
            total += v * scale
        }
        guard total < 9e18 else { return nil }
        return Int64(total.rounded())
    }

    /// isotope's Percentage: a number 0..1 or a string `"N%"`.
    static func percentage(_ n: Node, file: String) throws -> Double {
        if let t = n.text, t.hasSuffix("%"), let v = Double(t.dropLast().trimmingCharacters(in: .whitespaces)), (0...100).contains(v) {
            return v / 100
        }
        if let v = n.float, (0...1).contains(v) { return v }
        throw ImportError(file: file, line: n.line, column: n.column, "'\(n.text ?? "")' is not a percentage (0..1, or \"N%\")")
    }

    static func count(_ n: Node, file: String, what: String) throws -> Int {
        guard let v = n.int, v >= 1, v <= 10_000 else {
            throw ImportError(file: file, line: n.line, column: n.column, "'\(what)' must be a whole number from 1 to 10000, not '\(n.text ?? "")'")
        }
        return v
    }

    /// topsim's call graph must be acyclic (a request would never end); isotope does not check.
    /// Drops the call that closes each cycle, with a note.
    static func breakCycles(_ d: inout ImportDraft, notes: inout [String]) {
        let index = Dictionary(uniqueKeysWithValues: d.services.enumerated().map { ($1.name, $0) })
        var state = [Int](repeating: 0, count: d.services.count) // 0 new, 1 on the stack, 2 done
        func visit(_ i: Int) {
            state[i] = 1
            var steps = d.services[i].steps
            for k in steps.indices {
                var kept: [DraftCall] = []
                for c in steps[k].calls {
                    if let j = index[c.service] {
                        if state[j] == 1 {
                            notes.append("the call \(d.services[i].name) -> \(c.service) closes a cycle; dropped (a request would never end)")
                            continue
                        }
                        if state[j] == 0 { visit(j) }
                    }
                    kept.append(c)
                }
                steps[k].calls = kept
            }
            d.services[i].steps = steps.filter { !$0.calls.isEmpty }
            state[i] = 2
        }
        for i in d.services.indices where state[i] == 0 { visit(i) }
    }
}

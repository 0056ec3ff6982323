import Foundation

/// Imports a trace export (OTLP JSON, Jaeger JSON or Zipkin v2 JSON; TraceFormats.swift) as a
/// scenario: the call graph, each call's probability, which calls run in parallel, each
/// service's own time as `empirical()` samples, and entry rates.
///
/// How (docs/import.md, "traces"):
/// - A span starts an **execution** of its service when it has no parent or its parent belongs
///   to another service; its same-service descendants are part of it (OpenTelemetry's SERVER
///   span and the CLIENT spans under it; topsim's call span and its proxy, wire and app spans).
/// - An execution's **calls** are the executions started under it. A call's interval is its
///   CLIENT span in the caller when there is one, else the callee's first span.
/// - **Self time**: the execution's first SERVER span (its root when none) minus the union of
///   its calls' intervals inside it — the time the service spent on its own.
/// - **Parallelism**: calls whose intervals overlap form a group; two calls are in one
///   parallel group of the scenario when they overlapped in most executions that made both.
/// - **Probability**: the k-th call of a service to S is made in (executions with at least k
///   calls to S) / (executions) of requests; steps are ordered by the calls' mean start offset.
/// - **Rates**: per service called at a trace's root, (roots − 1) / (last root start − first).
/// - **Robustness**: a span whose parent is missing starts a fragment (counted for the graph and
///   self time, not as traffic); a child outside its parent's interval (clock skew between
///   hosts) is clamped into it; both are counted in a note.
/// - **Memory**: a file is streamed (TraceStream.swift): spans go to temporary files by trace
///   id and are read back one bucket of whole traces at a time, so memory holds about
///   `bucketBytes` of the export's spans, not the export. Self-time samples are a uniform random
///   subset of at most `maxSamples` a service (the smallest hash priorities: the same subset
///   whatever the order the spans come in). The result does not depend on the order of spans,
///   traces or buckets: streamed and whole-document imports are equal.
public enum TracesImporter {
    public struct Options: Sendable {
        /// Overrides every entry rate (requests per second).
        public var rate: Double?
        /// Traces written by `topsim run --trace-sample` hold every topology's; keep this one
        /// (nil: the first in the file).
        public var topology: String?
        /// Self-time samples kept per service (the scenario format reads at most 1,000,000).
        public var maxSamples: Int
        /// Bytes of export per temporary bucket when a file is streamed: one bucket's spans are
        /// in memory at a time (about 300 bytes of memory per span, measured: StreamingMemoryTests;
        /// a span takes 200-400 bytes of OTLP JSON, so 8 MB of export is about 20,000-40,000
        /// spans, 6-12 MB). At most 1024 buckets: beyond 8 GB of export, buckets grow.
        public var bucketBytes: Int
        public init(rate: Double? = nil, topology: String? = nil, maxSamples: Int = 100_000, bucketBytes: Int = 8 << 20) {
            self.rate = rate; self.topology = topology; self.maxSamples = max(1, min(maxSamples, 1_000_000))
            self.bucketBytes = max(1, bucketBytes)
        }

        /// Temporary buckets for an export of `bytes`.
        func buckets(forBytes bytes: Int) -> Int { max(1, min(1024, (bytes + bucketBytes - 1) / bucketBytes)) }
    }

    /// Reads and imports the export at `path`, streamed.
    public static func importFile(_ path: String, options: Options = Options()) throws -> ImportDraft {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw ImportError(file: path, isDir.boolValue ? "is a folder, not a trace export" : "no such file")
        }
        guard let fh = FileHandle(forReadingAtPath: path) else { throw ImportError(file: path, "cannot read the file") }
        let head = (try? fh.read(upToCount: 1 << 16)) ?? nil
        try? fh.close()
        guard let format = TraceDecoding.detect(head ?? Data()) else { throw notAnExport(path) }
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0
        let spill = try TraceSpill(buckets: options.buckets(forBytes: size))
        let filter = try TraceStream.read(path, file: path, format: format, topology: options.topology, into: spill)
        var notes = try topologyNotes(filter, file: path, options: options)
        guard spill.count > 0 else { throw ImportError(file: path, "the export holds no spans") }
        var analysis = TraceAnalysis(maxSamples: options.maxSamples)
        try spill.forEachTrace { analysis.add(&$0) }
        var draft = analysis.draft(file: path, format: format, spans: spill.count, options: options)
        notes += draft.notes
        draft.notes = notes
        return draft
    }

    /// Imports export bytes already in memory, decoded whole; `file` names it in sources and errors.
    public static func importData(_ data: Data, file: String, options: Options = Options()) throws -> ImportDraft {
        guard let format = TraceDecoding.detect(data) else { throw notAnExport(file) }
        var notes: [String] = []
        let spans: [TraceSpan]
        do {
            switch format {
            case .otlp:
                let r = try TraceDecoding.otlp(data, topology: options.topology)
                spans = r.spans
                notes = try topologyNotes(TopologyFilter(wanted: options.topology, seen: r.topologies), file: file, options: options)
            case .jaeger: spans = try TraceDecoding.jaeger(data)
            case .zipkin: spans = try TraceDecoding.zipkin(data)
            }
        } catch let e as DecodingError {
            throw ImportError(file: file, "not valid \(format.rawValue): \(describe(e))")
        } catch let e as ImportError {
            throw e
        } catch {
            throw ImportError(file: file, "not valid JSON: \(error.localizedDescription)")
        }
        guard !spans.isEmpty else { throw ImportError(file: file, "the export holds no spans") }
        var analysis = TraceAnalysis(maxSamples: options.maxSamples)
        TraceSpill.forEachTrace(in: spans) { analysis.add(&$0) }
        var draft = analysis.draft(file: file, format: format, spans: spans.count, options: options)
        draft.notes = notes + draft.notes
        return draft
    }

    static func notAnExport(_ file: String) -> ImportError {
        ImportError(file: file, "not a trace export: expected OTLP JSON ({\"resourceSpans\": ...}), Jaeger JSON ({\"data\": ...}) or Zipkin v2 JSON ([...])")
    }

    /// The error for a topology the export does not hold, or the note naming the one read.
    static func topologyNotes(_ f: TopologyFilter, file: String, options: Options) throws -> [String] {
        if let t = options.topology, !f.seen.isEmpty, !f.seen.contains(t) {
            throw ImportError(file: file, "no topology '\(t)' in the traces (topologies: \(f.seen.joined(separator: ", ")))")
        }
        if f.seen.count > 1, let c = f.chosen {
            return ["\((file as NSString).lastPathComponent) holds the traces of \(f.seen.count) topologies (\(f.seen.joined(separator: ", "))); imported '\(c)' (choose with --topology)"]
        }
        return []
    }

    /// A decoding error in words: what is wrong, and where inside the value decoded.
    static func describe(_ e: DecodingError) -> String {
        switch e {
        case let .keyNotFound(k, ctx): return "missing '\(k.stringValue)'" + at(ctx)
        case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx): return ctx.debugDescription + at(ctx)
        case let .dataCorrupted(ctx): return ctx.underlyingError.map { "\($0.localizedDescription)" } ?? ctx.debugDescription
        @unknown default: return "\(e)"
        }
    }

    static func at(_ ctx: DecodingError.Context) -> String {
        let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        return p.isEmpty ? "" : " at \(p)"
    }
}

/// The scenario a set of traces implies, built trace by trace (`add`) in any order: what it
/// keeps per service is counts, sums and a bounded sample, never the spans.
struct TraceAnalysis {
    /// "1 trace", "2 traces".
    static func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)" + (n == 1 ? "" : "s") }

    struct SlotKey: Hashable, Comparable {
        var service: String
        var occurrence: Int
        static func < (a: SlotKey, b: SlotKey) -> Bool { (a.service, a.occurrence) < (b.service, b.occurrence) }
    }
    struct PairKey: Hashable { var a: SlotKey; var b: SlotKey }

    /// Where something was first met, in the order of a whole-export read sorted by trace id:
    /// the trace id, then the execution's place in the trace.
    struct Place: Comparable {
        var trace: String
        var execution: Int
        static func < (a: Place, b: Place) -> Bool { (a.trace, a.execution) < (b.trace, b.execution) }
    }

    struct ServiceStats {
        var first: Place
        var executions = 0
        var ownErrors = 0
        /// Self times (ms) with their priorities: the `maxSamples` smallest (priority, time)
        /// pairs, as a max-heap (the root is the next to go), so at most `maxSamples` are held.
        var kept: [(priority: UInt64, ms: Double)] = []
        var slotCount: [SlotKey: Int] = [:]
        var slotOffset: [SlotKey: Double] = [:]
        /// Executions that made both calls, and those where they overlapped.
        var pairs: [PairKey: (both: Int, same: Int)] = [:]

        static func above(_ a: (priority: UInt64, ms: Double), _ b: (priority: UInt64, ms: Double)) -> Bool {
            a.priority != b.priority ? a.priority > b.priority : a.ms > b.ms
        }

        /// Keeps the sample when it is among the k smallest so far (O(log k)).
        mutating func sample(_ ms: Double, priority: UInt64, keep k: Int) {
            var i: Int
            if kept.count < k {
                kept.append((priority, ms))
                i = kept.count - 1
                while i > 0, Self.above(kept[i], kept[(i - 1) / 2]) {
                    kept.swapAt(i, (i - 1) / 2)
                    i = (i - 1) / 2
                }
                return
            }
            guard Self.above(kept[0], (priority, ms)) else { return }
            kept[0] = (priority, ms)
            i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < kept.count && Self.above(kept[l], kept[m]) { m = l }
                if r < kept.count && Self.above(kept[r], kept[m]) { m = r }
                if m == i { return }
                kept.swapAt(i, m)
                i = m
            }
        }
    }

    struct Entry { var first: Place; var count = 0; var start = Int64.max; var last = Int64.min }

    let maxSamples: Int
    var stats: [String: ServiceStats] = [:]
    var entries: [String: Entry] = [:]
    var orphans = 0, clamped = 0, duplicates = 0, traces = 0
    /// Spans whose end precedes their start (a negative duration): taken as zero long.
    var negative = 0

    init(maxSamples: Int) { self.maxSamples = maxSamples }

    /// splitmix64's finaliser: a priority per (trace, execution), uniform and order-free.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One whole trace (its spans in the export's order; clamped in place).
    mutating func add(_ spans: inout [TraceSpan]) {
        guard let traceID = spans.first?.trace else { return }
        traces += 1
        let seed = TraceSpill.hash(traceID)
        for i in spans.indices where spans[i].end < spans[i].start {
            negative += 1
            spans[i].end = spans[i].start
        }
        TraceSpan.resolveShared(&spans)
        var index: [String: Int] = [:]
        for (i, s) in spans.enumerated() {
            if index[s.id] == nil { index[s.id] = i } else { duplicates += 1 }
        }
        let n = spans.count
        var parent = [Int](repeating: -1, count: n)
        var children = [[Int]](repeating: [], count: n)
        var roots: [Int] = []
        var trueRoot = [Bool](repeating: false, count: n)
        for i in 0..<n where index[spans[i].id] == i {
            if let p = spans[i].parent, let pi = index[p], pi != i {
                parent[i] = pi
                children[pi].append(i)
            } else {
                roots.append(i)
                if spans[i].parent == nil { trueRoot[i] = true } else { orphans += 1 }
            }
        }
        // Breadth first from the roots: clamp each child into its parent (clock skew),
        // and give every span its execution.
        var bfs = roots
        var execOf = [Int](repeating: -1, count: n)
        var execRoot: [Int] = [], execSelf: [Int] = []
        var k = 0
        while k < bfs.count {
            let i = bfs[k]; k += 1
            let p = parent[i]
            if p >= 0 {
                let (ps, pe) = (spans[p].start, spans[p].end)
                if spans[i].start < ps || spans[i].end > pe {
                    clamped += 1
                    spans[i].start = min(max(spans[i].start, ps), pe)
                    spans[i].end = max(min(spans[i].end, pe), spans[i].start)
                }
            }
            if p < 0 || spans[p].service != spans[i].service {
                execOf[i] = execRoot.count
                execRoot.append(i)
                execSelf.append(spans[i].kind == .server ? i : -1)
            } else {
                execOf[i] = execOf[p]
                if execSelf[execOf[i]] < 0 && spans[i].kind == .server { execSelf[execOf[i]] = i }
            }
            bfs.append(contentsOf: children[i])
        }
        // Calls: each execution under another is one of its calls.
        var calls = [[(service: String, start: Int64, end: Int64, exec: Int)]](repeating: [], count: execRoot.count)
        for (e, r) in execRoot.enumerated() {
            let p = parent[r]
            guard p >= 0 else { continue }
            let caller = execOf[p]
            let useClient = spans[p].kind == .client && p != execRoot[caller]
            let iv = useClient ? (spans[p].start, spans[p].end) : (spans[r].start, spans[r].end)
            calls[caller].append((spans[r].service, iv.0, iv.1, e))
        }
        for (e, r) in execRoot.enumerated() {
            let service = spans[r].service
            let place = Place(trace: traceID, execution: e)
            // Taken out of the dictionary while updated: a copy left in it would make every
            // append copy the samples (copy-on-write).
            var st = stats.removeValue(forKey: service) ?? ServiceStats(first: place)
            if place < st.first { st.first = place }
            let selfSpan = execSelf[e] >= 0 ? execSelf[e] : r
            let (a, b) = (spans[selfSpan].start, spans[selfSpan].end)
            // The union of the calls' intervals inside the self span.
            let ivs = calls[e].map { (max($0.start, a), min($0.end, b)) }.filter { $0.0 < $0.1 }.sorted { $0.0 < $1.0 }
            var busy: Int64 = 0, curS: Int64 = 0, curE: Int64 = -1, open = false
            for (s, en) in ivs {
                if open && s <= curE { curE = max(curE, en) } else {
                    if open { busy += curE - curS }
                    curS = s; curE = en; open = true
                }
            }
            if open { busy += curE - curS }
            let selfNs = max(0, (b - a) - busy)

            st.executions += 1
            st.sample(Double(selfNs) / 1e6, priority: Self.mix(seed &+ UInt64(e) &* 0xD6E8_FEB8_6659_FD93), keep: maxSamples)
            let failed = spans[selfSpan].error || spans[r].error
            let childFailed = calls[e].contains { c in
                let cr = execRoot[c.exec]
                return spans[cr].error || (execSelf[c.exec] >= 0 && spans[execSelf[c.exec]].error)
            }
            if failed && !childFailed { st.ownErrors += 1 }

            // Steps: calls in start order; overlapping ones share a group.
            let ordered = calls[e].sorted { ($0.start, $0.service) < ($1.start, $1.service) }
            var group = [Int](repeating: 0, count: ordered.count)
            var g = -1, groupEnd = Int64.min
            var occurrences: [String: Int] = [:]
            var slots: [SlotKey] = []
            for (ci, c) in ordered.enumerated() {
                if c.start >= groupEnd { g += 1; groupEnd = c.end } else { groupEnd = max(groupEnd, c.end) }
                group[ci] = g
                let occ = occurrences[c.service, default: 0] + 1
                occurrences[c.service] = occ
                let key = SlotKey(service: c.service, occurrence: occ)
                slots.append(key)
                st.slotCount[key, default: 0] += 1
                // Whole nanoseconds: sums stay exact (below 2^53) in any order.
                st.slotOffset[key, default: 0] += Double(c.start - spans[r].start)
            }
            for x in slots.indices {
                for y in slots.indices where y > x {
                    let (p, q) = slots[x] < slots[y] ? (slots[x], slots[y]) : (slots[y], slots[x])
                    var v = st.pairs[PairKey(a: p, b: q)] ?? (0, 0)
                    v.both += 1
                    if group[x] == group[y] { v.same += 1 }
                    st.pairs[PairKey(a: p, b: q)] = v
                }
            }
            stats[service] = st

            if trueRoot[r] {
                var en = entries[service] ?? Entry(first: place)
                if place < en.first { en.first = place }
                en.count += 1
                en.start = min(en.start, spans[r].start)
                en.last = max(en.last, spans[r].start)
                entries[service] = en
            }
        }
    }

    /// The scenario the traces imply.
    func draft(file: String, format: TraceFormat, spans: Int, options: TracesImporter.Options) -> ImportDraft {
        let base = (file as NSString).lastPathComponent
        let order = stats.keys.sorted { stats[$0]!.first < stats[$1]!.first }
        var notes: [String] = []
        var rename: [String: String] = [:]
        var used = Set<String>()
        for s in order {
            var n = ScenarioWriter.serviceName(s).name
            while used.contains(n) { n += "-2" }
            if n != s { notes.append("\(base): service '\(s)' is named '\(n)' in the scenario (the format allows letters, digits, '.', '_' and '-')") }
            rename[s] = n
            used.insert(n)
        }
        var draft = ImportDraft(name: ScenarioWriter.serviceName((base as NSString).deletingPathExtension).name,
                                description: "Imported from the \(format.rawValue) trace export \(base) (\(TraceAnalysis.counted(traces, "trace")), \(TraceAnalysis.counted(spans, "span"))).")
        for s in order {
            let st = stats[s]!
            let samples = st.kept.map(\.ms).sorted()
            let name = rename[s]!
            let sampleName = "samples-\(name).csv"
            let allZero = samples.allSatisfy { $0 == 0 }
            let kept = st.executions > samples.count ? ", \(samples.count) kept at random" : ""
            let timeSource = "\(base): self time (span minus its calls) of \(st.executions) executions\(kept)"
            var svc = DraftService(name: name, serviceTime: allZero ? Sourced("const(0s)", timeSource)
                                   : Sourced("empirical(\(sampleName))", timeSource))
            if !allZero { draft.samples.append(SampleFile(name: sampleName, milliseconds: samples, source: timeSource)) }
            svc.replicas = Sourced(1, "default: traces do not say how many instances ran")
            if st.ownErrors > 0 {
                svc.errors = Sourced(Double(st.ownErrors) / Double(st.executions),
                                     "\(base): \(st.ownErrors) of \(st.executions) executions failed with no failed call under them")
            }
            // Slots ordered by mean start offset, grouped when they usually overlapped.
            let slots = st.slotCount.keys.sorted {
                let (x, y) = (st.slotOffset[$0]! / Double(st.slotCount[$0]!), st.slotOffset[$1]! / Double(st.slotCount[$1]!))
                return x != y ? x < y : $0 < $1
            }
            var groups: [[SlotKey]] = []
            for key in slots {
                if var last = groups.last, last.allSatisfy({ m in
                    let (p, q) = m < key ? (m, key) : (key, m)
                    guard let v = st.pairs[PairKey(a: p, b: q)], v.both > 0 else { return false }
                    return 2 * v.same > v.both
                }) {
                    last.append(key)
                    groups[groups.count - 1] = last
                } else { groups.append([key]) }
            }
            for grp in groups {
                let calls = grp.map { key -> DraftCall in
                    let p = min(1, Double(st.slotCount[key]!) / Double(st.executions))
                    return DraftCall(service: rename[key.service]!, probability: (p * 1e6).rounded() / 1e6)
                }
                let counts = grp.map { "\(st.slotCount[$0]!)" }.joined(separator: ", ")
                let what = grp.count > 1 ? "overlapping calls" : "a call"
                svc.steps.append(DraftStep(calls: calls, source: "\(base): \(what) in \(counts) of \(st.executions) executions"))
            }
            draft.services.append(svc)
        }
        IsotopeImporter.breakCycles(&draft, notes: &notes)

        for s in entries.keys.sorted(by: { entries[$0]!.first < entries[$1]!.first }) {
            let e = entries[s]!
            let rate: Sourced<Double>
            if let r = options.rate { rate = Sourced(r, "--rate") } else if e.count >= 2 && e.last > e.start {
                let secs = Double(e.last - e.start) / 1e9
                rate = Sourced(Double(e.count - 1) / secs,
                               "\(base): \(e.count) traces started here over \(ScenarioWriter.number((secs * 1000).rounded() / 1000))s")
            } else {
                rate = Sourced(10, "default: too few traces start here to measure a rate; use --rate")
                notes.append("\(base): the rate into '\(rename[s]!)' is a default (10/s): \(e.count) trace(s) start there")
            }
            draft.traffic.append(DraftTraffic(name: "to-" + rename[s]!, to: rename[s]!,
                                              toSource: "\(base): \(e.count) root spans", rate: rate))
        }
        if draft.traffic.isEmpty, let first = draft.services.first {
            draft.traffic.append(DraftTraffic(name: "to-" + first.name, to: first.name, toSource: "default: no trace has its root span",
                                              rate: Sourced(options.rate ?? 10, "default: no root spans")))
            notes.append("\(base): no trace has a root span; traffic goes to '\(first.name)' at a default rate")
        }
        if orphans > 0 { notes.append("\(base): \(orphans) spans name a parent missing from their trace; their subtrees count for the call graph and self times, not as traffic") }
        if clamped > 0 { notes.append("\(base): \(clamped) spans started before or ended after their parent (clock skew between hosts?); clamped into the parent") }
        if negative > 0 { notes.append("\(base): \(negative) spans end before they start (a negative duration); taken as 0 long") }
        if duplicates > 0 { notes.append("\(base): \(duplicates) spans repeat an id already seen in their trace; ignored") }
        if order.contains("unknown_service") { notes.append("\(base): some spans name no service; they are imported as 'unknown_service'") }
        notes.append("\(base): replicas, workers and policies are not in traces: defaults are written (combine with `topsim import kubernetes --graph`)")
        draft.topologies = ImportDraft.defaultTopologies()
        draft.notes = notes
        return draft
    }
}

import Calibration
import SimCore

// Spans for `--trace-sample N` and access-log records for `--access-log`: plain records
// collected here, formatted by Report (OTLP JSON, Envoy's access-log format). Off by
// default: then every hook is one test of `trace.on` and nothing more, and sampling never
// draws a random number, so it cannot change a run.

/// What one run traced: filled only when tracing is enabled (replication 1 of `topsim run`).
public struct TraceLog: Sendable {
    /// One timed piece of a sampled request: a proxy traversal, a wire, the app's work,
    /// or a whole call (`hop` nil).
    public struct Span: Sendable {
        /// Ordinal of the sampled root request (0, 1, ...): one trace each.
        public var trace: Int
        /// Unique within the run, never 0.
        public var id: UInt64
        /// 0: the trace's root span.
        public var parent: UInt64
        /// nil: a call's span (its whole duration as its caller saw it).
        public var hop: HopKind?
        /// Proxy id (CompiledTopology.proxies) or -1.
        public var proxy: Int
        /// The called service.
        public var service: Int
        /// The instance reached or -1.
        public var instance: Int
        /// Simulated nanoseconds since the run's start (warm-up included).
        public var start: SimTime
        public var end: SimTime
        /// How it ended: `.none` is success.
        public var outcome: Failure
        /// Calls: tries made (1 without retries).
        public var tries: Int
    }

    /// One finished call as its enforcing proxy would log it.
    public struct AccessRecord: Sendable {
        /// Simulated nanoseconds since the run's start.
        public var start: SimTime
        public var duration: SimTime
        public var service: Int
        /// The last instance tried, or -1 (none reached).
        public var instance: Int
        /// What the caller got (`.none`: success).
        public var failure: Failure
        /// Where the failure started (what the report counts it as).
        public var origin: Failure
        public var tries: Int
        /// The call's request id: its random key, unique per call.
        public var requestID: UInt64
        /// A root request (from a traffic source) rather than a call between services.
        public var root: Bool
    }

    /// Root requests to trace: the first N started in the measured period.
    public var sampleLimit = 0
    public var accessLog = false
    public var spans: [Span] = []
    public var access: [AccessRecord] = []
    var on: Bool { sampleLimit > 0 || accessLog }
}

/// The simulation's tracing scratch state.
struct TraceState {
    var on = false
    var sampled = 0
    var nextSpan: UInt64 = 1
    /// Traced live calls: slot -> (generation, span id, trace ordinal).
    var calls: [Int32: (gen: UInt32, span: UInt64, trace: Int)] = [:]
}

extension TopologySimulation {
    /// Traces the first `sample` measured root requests and/or logs every measured call.
    public mutating func enableTracing(sample: Int, accessLog: Bool) {
        metrics.trace.sampleLimit = max(0, sample)
        metrics.trace.accessLog = accessLog
        traces.on = metrics.trace.on
    }

    /// A call starts: sampled if it is one of the first N measured roots, or a call of a sampled root.
    mutating func traceCallStarted(_ c: Int) {
        guard metrics.trace.sampleLimit > 0, calls[c].measured else { return }
        let trace: Int
        if calls[c].parent < 0 {
            guard traces.sampled < metrics.trace.sampleLimit else { return }
            trace = traces.sampled
            traces.sampled += 1
        } else {
            guard let r = traces.calls[calls[c].root], r.gen == calls[c].rootGen else { return }
            trace = r.trace
        }
        traces.calls[Int32(c)] = (calls[c].gen, traces.nextSpan, trace)
        traces.nextSpan += 1
    }

    /// The span of the call try `a` serves, if traced.
    func tracedCall(_ a: Int) -> (span: UInt64, trace: Int, call: Int)? {
        let c = Int(attempts[a].call)
        guard let t = traces.calls[Int32(c)], t.gen == attempts[a].callGen else { return nil }
        return (t.span, t.trace, c)
    }

    /// Try `a` finished a segment (a proxy or a wire) or its app work (`hop` .app), begun at `start`.
    mutating func traceHop(_ a: Int, _ hop: HopKind, proxy: Int, start: SimTime) {
        guard let t = tracedCall(a) else { return }
        metrics.trace.spans.append(TraceLog.Span(
            trace: t.trace, id: traces.nextSpan, parent: t.span, hop: hop, proxy: proxy,
            service: Int(calls[t.call].service), instance: Int(attempts[a].instance), start: start, end: engine.now,
            outcome: attempts[a].failure, tries: Int(calls[t.call].tries)))
        traces.nextSpan += 1
    }

    /// Call `c` is over: its span, and its access-log line.
    mutating func traceCallFinished(_ c: Int, _ f: Failure, origin: Failure) {
        let now = engine.now
        if metrics.trace.accessLog && calls[c].measured {
            metrics.trace.access.append(TraceLog.AccessRecord(
                start: calls[c].start, duration: now - calls[c].start, service: Int(calls[c].service),
                instance: Int(calls[c].lastInstance), failure: f, origin: origin, tries: Int(calls[c].tries),
                requestID: calls[c].key, root: calls[c].parent < 0))
        }
        guard let t = traces.calls.removeValue(forKey: Int32(c)) else { return }
        guard t.gen == calls[c].gen else { return }
        var parent: UInt64 = 0
        let p = Int(calls[c].parent)
        if p >= 0, let pc = tracedCall(p) { parent = pc.span }
        metrics.trace.spans.append(TraceLog.Span(
            trace: t.trace, id: t.span, parent: parent, hop: nil, proxy: -1, service: Int(calls[c].service),
            instance: Int(calls[c].lastInstance), start: calls[c].start, end: now, outcome: f, tries: Int(calls[c].tries)))
    }
}

import SimCore

// Where each request's time goes, on its critical path: every moment between a call's
// start and its answer is charged to exactly one category, so the categories of a
// request add up to its latency. A call keeps a mark, the time up to which its path is
// charged; each event of its current try charges the interval since the mark to what
// the try was doing (a proxy, a wire, a queue, the app, a back-off) and moves the mark.
// Calls made in parallel all start at the step's start; when the last of them answers,
// its own categories (which add up to the whole step) are added to its caller's, and the
// others are dropped: only the slowest branch is on the critical path. Orphaned tries
// (given up by a timeout) run on off the path and charge nothing.

/// Per call slot: time charged per category, and the mark (the simulation's scratch state).
///
/// The hop kinds are dense, `HopKind.allCases.count` per call. The per-service part (each
/// service's own app time) is sparse: a short list per call of (service, time) entries in a
/// shared pool, holding only the services on the call's path so far. A dense row of one
/// counter per service made every call zero and add up as many counters as the scenario
/// has services, so that the cost per event grew with the scenario (issue 18: a tree of
/// 1,000 services spent a sixth of its time there). Sums are of integers, so the order in
/// which entries are kept does not change a total.
// Slot arrays (SimCore/SlotArray.swift): written on every event of a call, owned by the
// simulation, never copied.
struct CriticalPathState {
    static let hops = HopKind.allCases.count
    var time = SlotArray<SimTime>()
    var mark = SlotArray<SimTime>()
    /// First entry of each call's service list (-1: none).
    var head = SlotArray<Int32>()
    /// The entry pool: service, time, next entry of the same call (-1: last), or of the
    /// free list.
    var entryService = SlotArray<Int32>()
    var entryTime = SlotArray<SimTime>()
    var entryNext = SlotArray<Int32>()
    var freeEntry: Int32 = -1

    /// Call `c`'s service entry for `service`, made (with time 0) when missing.
    mutating func entry(call c: Int, service: Int32) -> Int {
        var e = head[c]
        while e >= 0 {
            if entryService[Int(e)] == service { return Int(e) }
            e = entryNext[Int(e)]
        }
        let n: Int
        if freeEntry >= 0 {
            n = Int(freeEntry)
            freeEntry = entryNext[n]
            entryService[n] = service
            entryTime[n] = 0
        } else {
            n = entryService.count
            entryService.append(service)
            entryTime.append(0)
            entryNext.append(-1)
        }
        entryNext[n] = head[c]
        head[c] = Int32(n)
        return n
    }

    /// Gives call `c`'s service entries back to the pool.
    mutating func release(call c: Int) {
        var e = head[c]
        while e >= 0 {
            let next = entryNext[Int(e)]
            entryNext[Int(e)] = freeEntry
            freeEntry = e
            e = next
        }
        head[c] = -1
    }
}

extension TopologySimulation {
    /// A call starts: nothing charged yet.
    @inline(__always)
    mutating func cpBegin(_ c: Int) {
        let w = CriticalPathState.hops
        if critical.mark.count <= c {
            critical.mark.append(repeating: 0, count: c + 1 - critical.mark.count)
            critical.head.append(repeating: -1, count: critical.mark.count - critical.head.count)
            critical.time.append(repeating: 0, count: critical.mark.count * w - critical.time.count)
        }
        for k in c * w..<(c + 1) * w { critical.time[k] = 0 }
        if critical.head[c] >= 0 { critical.release(call: c) }
        critical.mark[c] = engine.now
    }

    /// Charges the interval since call `c`'s mark to `hop` (and to `service`'s own time).
    @inline(__always)
    mutating func cpCharge(call c: Int, _ hop: HopKind, service: Int = -1) {
        let now = engine.now
        let d = now - critical.mark[c]
        guard d > 0 else { return }
        critical.time[c * CriticalPathState.hops + hop.rawValue] += d
        if service >= 0 {
            let e = critical.entry(call: c, service: Int32(service))
            critical.entryTime[e] += d
        }
        critical.mark[c] = now
    }

    /// Try `a` spent the interval since its call's mark in `hop` (nothing if it is orphaned).
    @inline(__always)
    mutating func cpAdd(_ a: Int, _ hop: HopKind, service: Int = -1) {
        guard !attempts[a].orphan else { return }
        let c = Int(attempts[a].call)
        guard calls[c].gen == attempts[a].callGen else { return }
        cpCharge(call: c, hop, service: service)
    }

    /// Try `a` is cut short where it stands (a timeout, a crash): the interval since the
    /// mark goes to what it was doing.
    mutating func cpCut(_ a: Int) {
        switch attempts[a].phase {
        case .pending, .appQueue: cpAdd(a, .queue)
        case .appService: cpAdd(a, .app, service: model.instances[Int(attempts[a].instance)].service)
        // Waiting for its own calls, none of which answered: the app's time, no service's own work.
        case .calling: cpAdd(a, .app)
        case .forward, .backward:
            let p = Int(attempts[a].atProxy)
            cpAdd(a, p < 0 ? .wire : attempts[a].queuedAtProxy ? .queue : proxies[p].hop)
        default: break
        }
    }

    /// Call `c` has its answer: a child that is the last of its step hands its path to its
    /// caller; a measured successful root adds its path to the metrics.
    mutating func cpFinished(_ c: Int, ok: Bool) {
        // Defensive: every way a call ends charges its time first, so this is zero.
        cpCharge(call: c, .wire)
        // The call's service entries go back to the pool whichever way it ends.
        defer { if critical.head[c] >= 0 { critical.release(call: c) } }
        let w = CriticalPathState.hops, base = c * w
        let parent = Int(calls[c].parent)
        if parent < 0 {
            guard ok, calls[c].measured else { return }
            metrics.criticalPathRequests += 1
            for k in 0..<w { metrics.criticalPath[k] += critical.time[base + k] }
            var e = critical.head[c]
            while e >= 0 {
                metrics.criticalPath[w + Int(critical.entryService[Int(e)])] += critical.entryTime[Int(e)]
                e = critical.entryNext[Int(e)]
            }
            return
        }
        guard attempts[parent].gen == calls[c].parentGen, attempts[parent].phase == .calling,
              attempts[parent].outstanding == 1, !attempts[parent].orphan else { return }
        let pc = Int(attempts[parent].call)
        guard calls[pc].gen == attempts[parent].callGen else { return }
        for k in 0..<w { critical.time[pc * w + k] += critical.time[base + k] }
        var e = critical.head[c]
        while e >= 0 {
            let t = critical.entryTime[Int(e)]
            let pe = critical.entry(call: pc, service: critical.entryService[Int(e)])
            critical.entryTime[pe] += t
            e = critical.entryNext[Int(e)]
        }
        critical.mark[pc] = engine.now
    }
}

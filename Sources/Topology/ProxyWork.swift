import Calibration
import DequeModule
import Scenario
import SimCore

// One traversal of a proxy: CPU work that occupies a worker, and latency that does not.
//
// A preset gives each proxy role a per-traversal latency (fitted to published added
// latency) and a CPU cost per request (the published vCPU per 1000 requests/s), of which a
// share runs on the worker threads that handle requests (Envoy's `concurrency`,
// linkerd2-proxy's runtime workers, NGINX/Kong worker processes). One pass holds a worker
// for that CPU time and no longer; the latency runs on without it.
//
// The two are independent because the published figures say so: Istio 1.24's sidecar
// spends 0.20 ms of CPU per request (0.10 ms per pass) but adds about 0.043 ms per
// traversal, so the CPU cannot all sit inside the traversal: part of it is work after the
// request has moved on (stats, access logs, buffer release). A proxy therefore saturates
// at workers / worker-time-per-pass, as the published vCPU figures say, not at workers /
// latency (docs/model.md, "Stations"; docs/calibration.md, "Proxy cost model").
//
// A worker's release is not an event of its own unless a try is waiting for it. Every
// pass of one proxy holds its worker for the same time, so the passes' release times come
// in the order the passes started: a FIFO per proxy (`releases`). Releases are applied
// lazily, at the release's own time, whenever the proxy is next looked at (an arrival,
// the end of warm-up, the figures at the end); only when a try has to wait is an event
// scheduled for the earliest release. So a proxy that never queues costs no event beyond
// its traversals. A cancelled try does not give its CPU back (it was spent), and a crash
// empties the station and the FIFO and voids a pending release event (the proxy's epoch).

extension TopologySimulation {
    /// Try `a` got a worker at proxy `p`: its traversal ends after the sampled latency (plus
    /// an injected `latency` fault's on the forward way); its worker is held for the
    /// proxy's worker time per pass. Returns false when that time is zero: the caller frees
    /// the worker at once.
    @inline(__always) mutating func beginProxyWork(_ a: Int, _ p: Int) -> Bool {
        let now = engine.now
        var d = proxies[p].latency.sample(&proxyRng)
        if attempts[a].phase == .forward, let extra = proxies[p].faultLatency { d += extra.sample(&proxyRng) }
        engine.schedule(after: d, kind: EK.hopDone, target: Int32(a), data: Int64(attempts[a].gen))
        let hold = proxies[p].workerHold
        guard hold > 0 else { return false }
        proxies[p].releases.append(now + hold)
        return true
    }

    /// Applies the releases of proxy `p` due by `now`, each at its own time (so the
    /// station's busy-time figures are exact), starting waiting tries on the freed workers.
    /// A waiting try can only meet a release due exactly now: while tries wait, the
    /// earliest release has an event (`ensureReleaseEvent`), and events before now have run.
    @inline(__always) mutating func settleReleases(_ p: Int) {
        let now = engine.now
        while let t = proxies[p].releases.first, t <= now {
            proxies[p].releases.removeFirst()
            if let next = proxies[p].station.depart(at: t) { startWaiting(Int(next), p) }
        }
    }

    /// Try `n` waited for a worker of proxy `p` and has one now.
    mutating func startWaiting(_ n: Int, _ p: Int) {
        endWait(n, p)
        if !beginProxyWork(n, p) { freeWorkerNow(p) }
    }

    /// A pass with no worker time: its worker is free at once (waiting tries take it).
    mutating func freeWorkerNow(_ p: Int) {
        while let next = proxies[p].station.depart(at: engine.now) {
            let n = Int(next)
            endWait(n, p)
            if beginProxyWork(n, p) { return }
        }
    }

    /// Try `n`'s wait for a worker of proxy `p` is over: it counts as `queue` time.
    @inline(__always) mutating func endWait(_ n: Int, _ p: Int) {
        let now = engine.now
        if now >= measureStart {
            let wait = now - attempts[n].segStart
            metrics.hop(.queue, wait, measuring: true)
            metrics.roles[proxies[p].hop.rawValue].queueWait.record(wait)
        }
        cpAdd(n, .queue)
        attempts[n].segStart = now
        attempts[n].queuedAtProxy = false
    }

    /// A try waits at proxy `p`: make sure the earliest release wakes it.
    mutating func ensureReleaseEvent(_ p: Int) {
        guard !proxies[p].releaseEventPending, let t = proxies[p].releases.first else { return }
        proxies[p].releaseEventPending = true
        engine.schedule(after: max(0, t - engine.now), kind: EK.proxyFree, target: Int32(p),
                        data: Int64(proxies[p].epoch))
    }

    /// The earliest release of proxy `p`, awaited by a waiting try, is due.
    mutating func proxyFree(_ p: Int, _ epoch: UInt32) {
        guard proxies[p].epoch == epoch, proxies[p].up else { return } // the proxy crashed since
        proxies[p].releaseEventPending = false
        settleReleases(p)
        if proxies[p].station.queueLength > 0 { ensureReleaseEvent(p) }
    }
}

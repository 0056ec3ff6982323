import Calibration
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
// The two are independent events because the published figures say so: Istio 1.20's
// sidecar costs 0.25 ms of CPU per pass (0.20 vCPU per 1000 rps... see docs/calibration.md,
// "Proxy cost model") but adds about 0.06 ms per traversal, so the CPU cannot all sit
// inside the traversal: part of it is work after the request has moved on (stats, access
// logs, buffer release). A proxy therefore saturates at workers / worker-time-per-pass, as
// the published vCPU figures say, not at workers / latency (docs/model.md, "Proxies").
//
// The worker's release is keyed by the proxy and its epoch, not by the try: a try that is
// cancelled while its pass is under way does not give the CPU back (it was spent), and a
// crash (which empties the station and bumps the epoch) voids every pending release.

extension TopologySimulation {
    /// Try `a` got a worker at proxy `p`: its traversal ends after the sampled latency (plus
    /// an injected `latency` fault's on the forward way); its worker is held for the
    /// proxy's worker time per pass. Returns false when that time is zero: the caller frees
    /// the worker at once.
    @inline(__always) mutating func beginProxyWork(_ a: Int, _ p: Int) -> Bool {
        var d = proxies[p].latency.sample(&proxyRng)
        if attempts[a].phase == .forward, let extra = proxies[p].faultLatency { d += extra.sample(&proxyRng) }
        engine.schedule(after: d, kind: EK.hopDone, target: Int32(a), data: Int64(attempts[a].gen))
        let hold = proxies[p].workerHold
        guard hold > 0 else { return false }
        engine.schedule(after: hold, kind: EK.proxyFree, target: Int32(p), data: Int64(proxies[p].epoch))
        return true
    }

    /// A worker of proxy `p` finished the CPU work of a pass: it takes the next waiting try.
    mutating func proxyFree(_ p: Int, _ epoch: UInt32) {
        guard proxies[p].epoch == epoch, proxies[p].up else { return } // the proxy crashed since
        startNextAtProxy(p)
    }

    /// A worker of proxy `p` is free: waiting tries start their traversals until one holds
    /// it (with zero worker time per pass, every waiting try starts at once).
    mutating func startNextAtProxy(_ p: Int) {
        let now = engine.now
        while let next = proxies[p].station.depart(at: now) {
            let n = Int(next)
            if now >= measureStart {
                let wait = now - attempts[n].segStart
                metrics.hop(.queue, wait, measuring: true)
                metrics.roles[proxies[p].hop.rawValue].queueWait.record(wait)
            }
            cpAdd(n, .queue)
            attempts[n].segStart = now
            attempts[n].queuedAtProxy = false
            if beginProxyWork(n, p) { return }
        }
    }
}

import Calibration
import Scenario
import SimCore

// Two timeouts, as Envoy and Istio define them:
// - the per-try timeout (Envoy RetryPolicy.per_try_timeout, Istio perTryTimeout; Kong's
//   and NGINX's read timeouts are per try): one try is given up and, where `retry_on`
//   allows, retried;
// - the route timeout (Envoy RouteAction.timeout, "includes all retries"; Istio
//   VirtualService `timeout`): the whole call as its caller sees it, every try and
//   back-off included, started when the enforcer first sends the request upstream. On
//   expiry the try in flight is cancelled and the caller gets a 504 (UT); nothing more
//   is retried. The callee does not know: it finishes its work, and its answer is dropped.

extension TopologySimulation {
    mutating func perTryTimeoutFired(_ a: Int, _ gen: UInt32) {
        guard attempts[a].gen == gen, !attempts[a].orphan, attempts[a].dispatched,
              !attempts[a].carriesAnswer else { return }
        // The enforcer gives up on this try; the try itself runs on unobserved.
        cpCut(a)
        attempts[a].orphan = true
        if attempts[a].meshConn { resetMeshStream(a) }
        releaseSlot(a)
        observeOutcome(a, .timeout)
        decide(Int(attempts[a].call), attempts[a].callGen, .timeout, origin: .timeout, carrier: nil)
        // A lost try (a hung pod, a dead node, a partition) never comes back to be freed.
        if attempts[a].gen == gen && attempts[a].phase == .hung { freeAttempt(a) }
    }

    mutating func routeTimeoutFired(_ c: Int, _ gen: UInt32) {
        guard calls[c].gen == gen, calls[c].live, !calls[c].decided else { return }
        let a = Int(calls[c].attempt)
        if a >= 0 && attempts[a].gen == calls[c].attemptGen && attempts[a].phase != .free {
            cpCut(a)
            if attempts[a].phase == .pending {
                unlinkPending(a)
                freeAttempt(a)
            } else if !attempts[a].orphan {
                attempts[a].orphan = true
                if attempts[a].meshConn { resetMeshStream(a) }
                releaseSlot(a)
            }
            if attempts[a].phase == .hung { freeAttempt(a) } // lost: nothing will bring it back
        } else if a < 0 {
            // Cancelled in its back-off: account the part actually waited.
            if engine.now >= measureStart { metrics.hop(.backoff, engine.now - calls[c].backoffStart, measuring: true) }
            cpCharge(call: c, .backoff)
        }
        calls[c].attempt = -1
        calls[c].decided = true
        finishCall(c, .timeout, origin: .timeout)
    }
}

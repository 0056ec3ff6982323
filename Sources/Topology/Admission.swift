import Calibration
import Scenario
import SimCore

// Admission at the edge: per-consumer rate limits and a managed gateway's account throttle.

extension TopologySimulation {
    // MARK: - Gateway admission

    /// Per-consumer rate limits at the gateway, as the product counts them:
    /// - token bucket (Envoy's local rate limit, NGINX limit_req): refilled continuously;
    /// - fixed windows aligned to the clock (Kong's rate-limiting plugin): a counter per
    ///   window, reset at each boundary (windows start at engine time 0, the start of the run);
    /// - sliding window (Kong's rate-limiting-advanced): the current window's count plus the
    ///   previous window's, weighted by the share of it still inside the last `window`.
    /// `local` keeps the counters per gateway replica (Kong's default: N replicas behind round
    /// robin let about N times the limit through, Kong/kong#5954); `cluster` keeps one set
    /// shared by every replica in a store, and while the store is down (`rate-limit-store-down`)
    /// admits everything (`fail_open`, Kong's fault_tolerant) or nothing.
    /// Then the account-wide throttle of cloud gateways (a token bucket).
    /// Returns `.none` when admitted, else how the gateway answers: 429 (`rateLimited`), or a
    /// 5xx (`appError`) when a cluster limit's store is down and it fails closed.
    mutating func admitAtGateway(_ a: Int, _ p: Int) -> Failure {
        let c = Int(attempts[a].call)
        guard calls[c].external, calls[c].parent < 0 else { return .none }
        let now = engine.now
        if let rl = model.rateLimit, rl.perConsumer > 0 {
            if rl.scope == .cluster && rateLimitStoreDown {
                if !(rl.failOpen ?? true) { return .appError }
            } else if !admitByRateLimit(rl, call: c, replica: model.proxies[p].owner, now: now) {
                return .rateLimited
            }
        }
        if let th = model.throttle, th.perConsumer > 0 {
            let cap = th.effectiveBurst
            if throttleTime == 0 { throttleTokens = cap }
            throttleTokens = min(cap, throttleTokens + th.perConsumer * Double(now - throttleTime) / 1e9)
            throttleTime = now
            if throttleTokens < 1 { return .rateLimited }
            throttleTokens -= 1
        }
        return .none
    }

    /// The per-consumer limit's decision for call `c` at gateway replica `replica`.
    mutating func admitByRateLimit(_ rl: RateLimit, call c: Int, replica: Int, now: SimTime) -> Bool {
        let shared = rl.scope == .cluster
        let consumers = consumerOffsets.last!
        if tokens.isEmpty {
            let slots = (shared ? 1 : model.gatewayReplicas.count) * consumers
            let start = rl.algorithm == .tokenBucket || rl.algorithm == nil ? rl.effectiveBurst : 0
            tokens = Array(repeating: start, count: slots)
            tokenTime = Array(repeating: rl.algorithm == .tokenBucket || rl.algorithm == nil ? 0 : -1, count: slots)
            previousCount = Array(repeating: 0, count: slots)
        }
        let k = (shared ? 0 : replica) * consumers + consumerOffsets[Int(calls[c].source)] + Int(calls[c].consumer)
        switch rl.algorithm ?? .tokenBucket {
        case .tokenBucket:
            let cap = rl.effectiveBurst
            tokens[k] = min(cap, tokens[k] + rl.perConsumer * Double(now - tokenTime[k]) / 1e9)
            tokenTime[k] = now
            if tokens[k] < 1 { return false }
            tokens[k] -= 1
            return true
        case .fixedWindow, .slidingWindow:
            // tokens: requests counted in the current window; tokenTime: that window's index.
            let w = rl.effectiveWindow
            let index = max(0, now) / w
            if tokenTime[k] != index {
                // The window that just ended is the previous one only if it is adjacent.
                previousCount[k] = tokenTime[k] == index - 1 ? tokens[k] : 0
                tokens[k] = 0
                tokenTime[k] = index
            }
            var count = tokens[k]
            if rl.algorithm == .slidingWindow {
                let elapsed = Double(max(0, now) - index * w) / Double(w)
                count += previousCount[k] * (1 - elapsed)
            }
            if count >= rl.perWindow { return false }
            tokens[k] += 1
            return true
        }
    }
}

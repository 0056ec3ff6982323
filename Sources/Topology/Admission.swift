import Calibration
import Scenario
import SimCore

// Admission at the edge: per-consumer rate limits and a managed gateway's account throttle.

extension TopologySimulation {
    // MARK: - Gateway admission

    /// Per-consumer token buckets, counted per gateway replica (Kong's default `local`
    /// policy: behind round robin, the effective limit is multiplied by the replica count),
    /// then the account-wide throttle of cloud gateways.
    mutating func admitAtGateway(_ a: Int, _ p: Int) -> Bool {
        let c = Int(attempts[a].call)
        guard calls[c].external, calls[c].parent < 0 else { return true }
        let now = engine.now
        if let rl = model.rateLimit, rl.perConsumer > 0 {
            if tokens.isEmpty {
                let slots = model.gatewayReplicas.count * consumerOffsets.last!
                tokens = Array(repeating: rl.effectiveBurst, count: slots)
                tokenTime = Array(repeating: 0, count: slots)
            }
            let replica = model.proxies[p].owner
            let k = replica * consumerOffsets.last! + consumerOffsets[Int(calls[c].source)] + Int(calls[c].consumer)
            let cap = rl.effectiveBurst
            tokens[k] = min(cap, tokens[k] + rl.perConsumer * Double(now - tokenTime[k]) / 1e9)
            tokenTime[k] = now
            if tokens[k] < 1 { return false }
            tokens[k] -= 1
        }
        if let th = model.throttle, th.perConsumer > 0 {
            let cap = th.effectiveBurst
            if throttleTime == 0 { throttleTokens = cap }
            throttleTokens = min(cap, throttleTokens + th.perConsumer * Double(now - throttleTime) / 1e9)
            throttleTime = now
            if throttleTokens < 1 { return false }
            throttleTokens -= 1
        }
        return true
    }

}

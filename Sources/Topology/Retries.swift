import Calibration
import Scenario
import SimCore

// Retries as the enforcing proxy makes them.
// - What is retried: the policy's `retry_on` classes (RetryOn.failures); a local
//   overflow and "no healthy upstream" never are (Envoy answers them itself).
// - How many at once: Envoy's `max_retries` circuit breaker (default 3) counts retries
//   in progress per proxy and upstream — a retry holds its slot from the moment it is
//   scheduled until its try's outcome is known; a retry budget replaces it when set
//   (envoy config/cluster/v3/circuit_breaker.proto, `retry_budget`: budget_percent of
//   active plus pending requests, min_retry_concurrency). Linkerd's budget instead
//   allows `ratio` retries per request over a `ttl` window plus `min_per_second`
//   (linkerd.io/2/reference/proxy-configuration, retry budgets). A denied retry returns
//   the try's own failure (Envoy `upstream_rq_retry_overflow`).
// - When: Envoy's fully jittered exponential back-off, retry N after uniform(0,
//   (2^N − 1) × base) capped at max (router filter docs, x-envoy-max-retries); NGINX's
//   `proxy_next_upstream` and Kong's `retries` go to the next upstream at once.

extension TopologySimulation {
    /// Schedules a retry of call `c` after try failure `f` when the policy and the
    /// retry budget (or breaker) allow it; false when the call must be answered now.
    mutating func scheduleRetry(_ c: Int, _ f: Failure) -> Bool {
        let pi = Int(calls[c].policy)
        guard Int(calls[c].tries) <= policies[pi].retries, (policies[pi].retryMask & f.bit) != 0 else { return false }
        let pol = policies[pi]
        let u = Int(calls[c].upstream)
        if u >= 0 {
            let now = engine.now
            switch pol.budget {
            case .concurrent(let percent, let minConcurrent)?:
                let active = Double(upstreams[u].active + upstreams[u].pending)
                let limit = max(Double(minConcurrent), percent * active)
                if Double(upstreams[u].retries) >= limit { countRetryOverflow(u); return false }
            case .ratio(let ratio, let minPerSecond, let ttl)?:
                let (requests, retries) = budgetWindow(u, ttl: ttl, now: now)
                let allowed = ratio * Double(requests) + minPerSecond * Nanos.toSeconds(ttl)
                if Double(retries) >= allowed { countRetryOverflow(u); return false }
                budgetBuckets[budgetBucket(u, ttl: ttl, now: now)].retries += 1
            case nil:
                if Int(upstreams[u].retries) >= pol.maxRetries { countRetryOverflow(u); return false }
            }
            upstreams[u].retries += 1
            calls[c].holdsRetry = true
        }
        let backoff = backoffDelay(pol.backoff, retry: Int(calls[c].tries))
        calls[c].backoffStart = engine.now
        engine.schedule(after: backoff, kind: EK.retry, target: Int32(c), data: Int64(calls[c].gen))
        return true
    }

    /// The delay before retry number `n` (1-based).
    mutating func backoffDelay(_ b: RetryBackoff, retry n: Int) -> SimTime {
        switch b {
        case .immediate:
            return 0
        case .distribution(let d):
            return d.sample(&controlRng)
        case .jittered(let base, let cap):
            // uniform(0, (2^n − 1) × base), capped at `cap`; 2^n saturates long before overflow.
            let factor = n >= 40 ? Double(1 << 40) : Double((1 << n) - 1)
            let ceiling = min(Double(cap), factor * Double(base))
            return SimTime(controlRng.uniform() * ceiling)
        }
    }

    /// The retry slot held for call `c`'s current retry is given back (its try's outcome is
    /// known, or the call ended).
    @inline(__always) mutating func releaseRetrySlot(_ c: Int) {
        guard calls[c].holdsRetry else { return }
        calls[c].holdsRetry = false
        let u = Int(calls[c].upstream)
        if u >= 0 { upstreams[u].retries -= 1 }
    }

    mutating func retryFired(_ c: Int, _ gen: UInt32) {
        guard calls[c].gen == gen, calls[c].live, !calls[c].decided else { return }
        let waited = engine.now - calls[c].backoffStart
        if engine.now >= measureStart { metrics.hop(.backoff, waited, measuring: true) }
        cpCharge(call: c, .backoff)
        let parent = Int(calls[c].parent)
        if parent >= 0 && (attempts[parent].gen != calls[c].parentGen || attempts[parent].phase != .calling) {
            // Nobody waits for the answer any more: the caller failed meanwhile.
            releaseRetrySlot(c)
            activeRequests -= 1
            freeCall(c)
            return
        }
        startTry(c, first: false)
    }

    mutating func countRetryOverflow(_ u: Int) {
        let role = Int(upstreams[u].role)
        if role >= 0 && engine.now >= measureStart { metrics.roles[role].retryOverflows += 1 }
    }

    /// A circuit breaker turned a request away.
    mutating func countOverflow(_ a: Int) {
        let u = Int(attempts[a].upstream)
        guard u >= 0, engine.now >= measureStart else { return }
        let role = Int(upstreams[u].role)
        if role >= 0 { metrics.roles[role].overflows += 1 }
    }

    // MARK: - Linkerd-style budget window

    /// The bucket for `now` of upstream `u`'s window, cleared when it starts a new epoch.
    mutating func budgetBucket(_ u: Int, ttl: SimTime, now: SimTime) -> Int {
        let width = max(1, ttl / SimTime(Self.budgetBuckets))
        let epoch = Int64(max(0, now) / width)
        let k = Int(upstreams[u].firstBucket) + Int(epoch % Int64(Self.budgetBuckets))
        if budgetBuckets[k].epoch != epoch { budgetBuckets[k] = BudgetBucket(epoch: epoch, requests: 0, retries: 0) }
        return k
    }

    /// Requests and retries over the last `ttl`.
    mutating func budgetWindow(_ u: Int, ttl: SimTime, now: SimTime) -> (Int, Int) {
        let width = max(1, ttl / SimTime(Self.budgetBuckets))
        let epoch = Int64(max(0, now) / width)
        var requests = 0, retries = 0
        let first = Int(upstreams[u].firstBucket)
        for k in first..<(first + Self.budgetBuckets) where budgetBuckets[k].epoch > epoch - Int64(Self.budgetBuckets) {
            requests += Int(budgetBuckets[k].requests); retries += Int(budgetBuckets[k].retries)
        }
        return (requests, retries)
    }

    /// A first try counts as a deposit in a Linkerd-style budget.
    @inline(__always) mutating func depositRequest(_ c: Int) {
        let u = Int(calls[c].upstream)
        guard u >= 0, upstreams[u].firstBucket >= 0 else { return }
        depositInBucket(c, u)
    }

    @inline(never) mutating func depositInBucket(_ c: Int, _ u: Int) {
        guard case .ratio(_, _, let ttl)? = policies[Int(calls[c].policy)].budget else { return }
        // (firstBucket >= 0 only for upstreams whose policy has a Linkerd-style budget.)
        budgetBuckets[budgetBucket(u, ttl: ttl, now: engine.now)].requests += 1
    }
}

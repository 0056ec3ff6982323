import Calibration
import SimCore

extension ScenarioParser {
    /// Notes for a `rate_limit` whose values are valid but cannot behave as written:
    /// - a window-counting limit (Kong's rate-limiting plugins count whole requests per
    ///   window) admits floor(per_consumer × window) requests per window, at least one: a
    ///   product that is not a whole number admits less than the rate says, one under 1
    ///   admits more;
    /// - `window` with an explicit token bucket: a bucket refills continuously, no window;
    /// - `fail_open` with `policy: local`: a local limit keeps no shared store to lose.
    func rateLimitNotes(_ rl: RateLimit, _ r: Fields) {
        func short(_ d: Double) -> String { fmt((d * 1000).rounded() / 1000) }
        if let w = rl.window, let pos = r["window"]?.pos {
            let exact = rl.perConsumer * Double(w) / 1e9
            switch rl.algorithm {
            case .tokenBucket?:
                note(pos, "'window' does nothing for a token bucket, which refills continuously "
                    + "(use algorithm: fixed-window or sliding-window to count per window)")
            case .fixedWindow?, .slidingWindow?:
                if exact < 1 {
                    note(pos, "per_consumer x window = \(short(exact)) requests: a window admits at least 1, "
                        + "so \(short(1e9 / Double(w)))/s instead of \(short(rl.perConsumer))/s "
                        + "(lengthen the window to at least \(String.duration(SimTime((1e9 / rl.perConsumer).rounded(.up)))))")
                } else if exact != exact.rounded(.down) {
                    let admitted = exact.rounded(.down)
                    note(pos, "per_consumer x window = \(short(exact)) requests: a window admits whole requests, "
                        + "\(short(admitted)), so \(short(admitted * 1e9 / Double(w)))/s instead of "
                        + "\(short(rl.perConsumer))/s")
                }
            case nil:
                break // the preset's algorithm decides, known per topology only
            }
        }
        // `policy` left out is `local` too.
        if rl.scope != .cluster, rl.failOpen != nil, let pos = r["fail_open"]?.pos {
            note(pos, "'fail_open' does nothing with 'policy: local': a local limit keeps no store that could fail")
        }
    }
}

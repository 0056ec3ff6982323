import Scenario
import SimCore
import XCTest
@testable import Topology

/// `RateTable` (the sources' rates as flat numbers, read per arrival without copying a
/// source) must give what `TrafficRate` gives: the rate in force and the next change.
final class RateTableTests: XCTestCase {
    /// The reference: `TrafficRate.perSecond(at:)`, and the first profile point after `t`.
    static func nextChange(_ r: TrafficRate, after t: SimTime) -> SimTime? {
        guard case .profile(let pts) = r else { return nil }
        return pts.first { $0.at > t }?.at
    }

    /// Constant, empty, one-point and many-point profiles (a drop to 0 among them), read at
    /// every point, just before and after it, and between: the same figures as TrafficRate.
    func testTheTableReadsAsTrafficRate() {
        var rng = RandomStream(seed: 7, stream: 1)
        var rates: [TrafficRate] = [.constant(perSecond: 80), .constant(perSecond: 0), .profile([]),
                                    .profile([RatePoint(at: 0, perSecond: 5)])]
        for _ in 0..<20 {
            var at: SimTime = 0
            var pts: [RatePoint] = []
            for k in 0..<(1 + Int(rng.uniform() * 6)) {
                pts.append(RatePoint(at: at, perSecond: k == 2 ? 0 : (rng.uniform() * 500).rounded()))
                at += SimTime(1 + rng.uniform() * 60) * Nanos.perSecond
            }
            rates.append(.profile(pts))
        }
        let table = RateTable(rates.map { TrafficSource(name: "s", to: 0, rate: $0) })
        for (k, r) in rates.enumerated() {
            var times: [SimTime] = [0, 1, 3_600 * Nanos.perSecond]
            if case .profile(let pts) = r {
                for p in pts { times += [p.at - 1, p.at, p.at + 1, p.at + Nanos.perSecond / 2] }
            }
            for t in times where t >= 0 {
                XCTAssertEqual(table.perSecond(k, at: t), r.perSecond(at: t), "source \(k) at \(t)")
                XCTAssertEqual(table.nextChange(k, after: t), Self.nextChange(r, after: t), "source \(k) after \(t)")
            }
        }
    }
}

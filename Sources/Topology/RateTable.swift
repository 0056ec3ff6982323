import Scenario
import SimCore

/// Every traffic source's rate (`TrafficRate`) flattened into arrays of numbers, so that the
/// next arrival is scheduled without copying the source or its profile: a copy of
/// `scenario.traffic[k]` (names, an array of points) cost retains and releases per arrival
/// (issue 18: no reference counting per event). The figures are `TrafficRate`'s exactly.
struct RateTable {
    /// The points of every profile, source after source.
    private let points: [RatePoint]
    /// Source k's points are `points[first[k]..<first[k + 1]]` (none for a constant rate).
    private let first: [Int]
    /// A constant source's rate per second; 0 for a profile (an empty profile is 0/s, as
    /// `TrafficRate` has it).
    private let constant: [Double]

    init(_ traffic: [TrafficSource]) {
        var points: [RatePoint] = [], first = [0], constant: [Double] = []
        for t in traffic {
            switch t.rate {
            case .constant(let r):
                constant.append(r)
            case .profile(let pts):
                points.append(contentsOf: pts)
                constant.append(0)
            }
            first.append(points.count)
        }
        self.points = points
        self.first = first
        self.constant = constant
    }

    /// Source k's rate per second at `t` (relative to the measured period's start), as
    /// `TrafficRate.perSecond(at:)`: a profile's last point at or before `t`, its first
    /// before that.
    @inline(__always) func perSecond(_ k: Int, at t: SimTime) -> Double {
        let lo = first[k], hi = first[k + 1]
        guard lo < hi else { return constant[k] }
        var r = points[lo].perSecond
        for j in lo..<hi where points[j].at <= t { r = points[j].perSecond }
        return r
    }

    /// The first point of source k's profile after `t` (nil for a constant rate or after the last).
    @inline(__always) func nextChange(_ k: Int, after t: SimTime) -> SimTime? {
        for j in first[k]..<first[k + 1] where points[j].at > t { return points[j].at }
        return nil
    }

}

import Scenario
import SimCore
@testable import Topology
import XCTest

/// The ring of recent windows' latency histograms (Metrics.swift) that the dashboard merges
/// for its p50/p99 rows over the same span as its health figures.
final class RecentLatencyTests: XCTestCase {
    /// A 5 ms service with no network and no proxy: every request takes exactly 5 ms,
    /// 50 ms (5 + 45) while the latency fault lasts (20 s to 27 s).
    static let yaml = """
        scenario: recent
        duration: 30s
        cluster: { network: { same_node: const(0ms), same_zone: const(0ms), cross_zone: const(0ms) } }
        services:
          api: { replicas: 2, workers: unlimited, service_time: const(5ms) }
        traffic:
          - { name: client, from: internal, to: api, rate: 100/s }
        topologies:
          - { name: direct, kind: none }
        faults:
          - { at: 20s, for: 7s, kind: latency, target: api, add: const(45ms) }
        """

    func testRecentWindowsAreMergedExactly() throws {
        let s = try PolicyTests.scenario(Self.yaml)
        let m = try PolicyTests.sim(s, "direct").metrics
        // 1 s windows: the recent span (10 s) is 10 windows, and the ring keeps the last 10 closed.
        XCTAssertEqual(TopologyMetrics.recentWindows(window: s.window), 10)
        // Windows 20..29: 7 slow ones (~700 requests at 50 ms) and 3 fast (~300 at 5 ms): the
        // median and the 99th percentile are 50 ms (a 2-digit HDR histogram: within 1%).
        let recent = m.recentLatency(windows: 20..<30)
        XCTAssertEqual(recent.count, (20..<30).reduce(0) { $0 + m.windows.windows[$1].succeeded })
        XCTAssertEqual(recent.p50 / 1e6, 50, accuracy: 0.5)
        XCTAssertEqual(recent.p99 / 1e6, 50, accuracy: 0.5)
        // Windows 28 and 29 only: requests that started after 27.95 s, all fast (5 ms).
        let after = m.recentLatency(windows: 28..<30)
        XCTAssertGreaterThan(after.count, 100)
        XCTAssertEqual(after.p99 / 1e6, 5, accuracy: 0.05)
        // The whole run is 23 fast windows of 30: its median stays 5 ms, the recent one does not.
        XCTAssertEqual(m.latency.p50 / 1e6, 5, accuracy: 0.05)
        // One window merged alone gives that window's own quantile.
        XCTAssertEqual(m.recentLatency(windows: 25..<26).p99, m.windows.windows[25].p99)
        // Windows older than the last 10 closed are no longer kept: nothing to merge.
        XCTAssertEqual(m.recentLatency(windows: 0..<10).count, 0)
    }

    /// The span in windows for a window width: 10 s / width, at least 1, at most the 10 kept.
    func testRecentWindowsForAWindowWidth() {
        XCTAssertEqual(TopologyMetrics.recentWindows(window: 2_000_000_000), 5)     // 10 / 2
        XCTAssertEqual(TopologyMetrics.recentWindows(window: 30_000_000_000), 1)    // 10 / 30 rounds to 0: 1
        XCTAssertEqual(TopologyMetrics.recentWindows(window: 100_000_000), 10)      // 10 / 0.1 = 100: capped at 10
        XCTAssertEqual(TopologyMetrics.recentWindows(window: 4_000_000_000), 3)     // 10 / 4 = 2.5 rounds to 3
    }
}

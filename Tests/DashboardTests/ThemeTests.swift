import Dashboard
import XCTest

final class ThemeTests: XCTestCase {
    func testKialiThresholds() {
        XCTAssertEqual(Health.classify(errorRate: 0), .healthy)
        XCTAssertEqual(Health.classify(errorRate: 0.000999), .healthy)
        XCTAssertEqual(Health.classify(errorRate: 0.001), .degraded)
        XCTAssertEqual(Health.classify(errorRate: 0.05), .degraded)
        XCTAssertEqual(Health.classify(errorRate: 0.10), .degraded)
        XCTAssertEqual(Health.classify(errorRate: 0.1001), .failing)
        XCTAssertEqual(Health.classify(errorRate: 1), .failing)
    }

    func testNoColorMeansMonochromeWhateverTheTerminal() {
        let t = Theme.select(environment: ["NO_COLOR": "1"], hasColors: true, colors: 256)
        XCTAssertEqual(t.kind, .mono)
        // An empty NO_COLOR does not count (no-color.org).
        XCTAssertEqual(Theme.select(environment: ["NO_COLOR": ""], hasColors: true, colors: 256).kind, .color256)
    }

    func testThemeFollowsTheTerminal() {
        XCTAssertEqual(Theme.select(environment: [:], hasColors: true, colors: 256).kind, .color256)
        XCTAssertEqual(Theme.select(environment: [:], hasColors: true, colors: 16).kind, .color16)
        XCTAssertEqual(Theme.select(environment: [:], hasColors: true, colors: 8).kind, .color16)
        XCTAssertEqual(Theme.select(environment: [:], hasColors: false, colors: 0).kind, .mono)
    }

    func testMonoFrameHasNoColourAttributes() {
        let theme = Theme.make(.mono)
        for role in ColorRole.allCases { XCTAssertFalse(theme.style(role).hasColor, "\(role) has colour in mono") }
        for overlay in [Overlay.none, .help, .details] {
            let grid = layout(Fixtures.snapshot(), UIState(topologyCount: 5, seed: 1, overlay: overlay),
                              size: Size(width: 120, height: 40))
            for cell in grid.cells { XCTAssertFalse(theme.style(cell.role).hasColor) }
        }
    }

    func testColourThemesColourHealth() {
        for kind in [ThemeKind.color256, .color16] {
            let t = Theme.make(kind)
            XCTAssertTrue(t.style(.healthy).hasColor)
            XCTAssertNotEqual(t.style(.healthy), t.style(.degraded))
            XCTAssertNotEqual(t.style(.degraded), t.style(.failing))
        }
    }

    func testGlyphsFollowTheLocale() {
        XCTAssertEqual(Glyphs.detect(environment: ["LANG": "en_US.UTF-8"]), .utf8)
        XCTAssertEqual(Glyphs.detect(environment: ["LC_ALL": "C.utf8", "LANG": "C"]), .utf8)
        XCTAssertEqual(Glyphs.detect(environment: ["LC_ALL": "C", "LANG": "en_US.UTF-8"]), .ascii)
        XCTAssertEqual(Glyphs.detect(environment: [:]), .ascii)
        XCTAssertEqual(Glyphs.utf8.sparkline, .braille)
        XCTAssertEqual(Glyphs.ascii.sparkline, .ascii)
    }

    func testAsciiFramesAreAscii() {
        for overlay in [Overlay.none, .help, .details] {
        let grid = layout(Fixtures.snapshot(), UIState(topologyCount: 5, seed: 1, overlay: overlay),
                          size: Size(width: 120, height: 40), glyphs: .ascii)
        let odd = Set(grid.cells.map(\.char).filter { !$0.isASCII })
        XCTAssertTrue(odd.isEmpty, "non-ASCII: \(odd)")
        }
    }

    func testHealthGlyphsDifferWithoutColour() {
        for g in [Glyphs.utf8, .ascii] {
            XCTAssertEqual(Set(Health.allCases.map(g.health)).count, Health.allCases.count)
        }
    }
}

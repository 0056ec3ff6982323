// Sparklines: braille (2 samples x 4 dots per cell), blocks (1 x 8) or ASCII.

enum Sparkline {
    /// Draws the newest samples right-aligned into a width x height area, bottom up, scaled to `maxValue`.
    static func draw(_ values: [Double], into grid: inout CellGrid, x: Int, y: Int, width: Int, height: Int,
                     maxValue: Double, style: SparkStyle, role: ColorRole) {
        guard width > 0, height > 0 else { return }
        let perCell = style == .braille ? 2 : 1
        let levelsPerRow = style == .braille ? 4 : 8
        let total = levelsPerRow * height
        let samples = values.suffix(width * perCell)
        let scale = maxValue > 0 ? Double(total) / maxValue : 0
        func level(_ v: Double) -> Int {
            guard v > 0, v.isFinite else { return 0 }
            return min(total, max(1, Int((v * scale).rounded())))
        }
        let levels = samples.map(level)
        // Right-align: leading cells stay empty until history fills the width.
        let offset = width * perCell - levels.count
        for cell in 0..<width {
            for row in 0..<height {
                let base = (height - 1 - row) * levelsPerRow
                let scalar: Unicode.Scalar
                switch style {
                case .braille:
                    let left = sampleLevel(levels, cell * 2 - offset, base, 4)
                    let right = sampleLevel(levels, cell * 2 + 1 - offset, base, 4)
                    let bits = leftDots[left] | rightDots[right]
                    scalar = Unicode.Scalar(0x2800 + bits)!
                case .blocks:
                    scalar = blocks[sampleLevel(levels, cell - offset, base, 8)]
                case .ascii:
                    scalar = asciiLevels[sampleLevel(levels, cell - offset, base, 8)]
                }
                if scalar != " " && scalar != "\u{2800}" {
                    grid[x + cell, y + row] = Cell(scalar, role: role)
                } else if style == .braille {
                    grid[x + cell, y + row] = Cell(" ", role: role)
                }
            }
        }
    }

    private static func sampleLevel(_ levels: [Int], _ i: Int, _ base: Int, _ perRow: Int) -> Int {
        guard i >= 0, i < levels.count else { return 0 }
        return min(perRow, max(0, levels[i] - base))
    }

    // Dots filled from the bottom: dot7, dot3, dot2, dot1 (left); dot8, dot6, dot5, dot4 (right).
    private static let leftDots: [UInt32] = [0, 0x40, 0x44, 0x46, 0x47]
    private static let rightDots: [UInt32] = [0, 0x80, 0xA0, 0xB0, 0xB8]
    private static let blocks: [Unicode.Scalar] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    private static let asciiLevels: [Unicode.Scalar] = [" ", "_", "_", ".", "-", "-", "=", "+", "#"]
}

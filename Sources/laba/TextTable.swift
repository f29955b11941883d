// Plain-text tables that stay aligned with Chinese names (two terminal columns per character).

struct TextTable {
    var header: [String]
    var rows: [[String]]

    func render() -> String {
        var widths = header.map(displayWidth)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(cell)) }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, cell) in cells.enumerated() {
                let isLast = i == cells.count - 1
                out += cell + (isLast ? "" : String(repeating: " ", count: widths[i] - displayWidth(cell) + 2))
            }
            while out.hasSuffix(" ") { out.removeLast() }
            return out
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

/// Terminal columns a string takes: East Asian wide and full-width characters take two.
func displayWidth(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { width, c in
        switch c.value {
        case 0x0300...0x036F, 0x200B...0x200F: width
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            width + 2
        default: width + 1
        }
    }
}

// Plain-text tables that stay aligned with Chinese names (two terminal columns per character).

struct TextTable {
    var header: [String]
    var rows: [[String]]

    func render() -> String {
        var out = ""
        render { out += $0 + "\n" }
        if !out.isEmpty { out.removeLast() }
        return out
    }

    /// Hands each line, without its newline, to `emit`.
    func render(_ emit: (String) -> Void) {
        var widths = header.map(displayWidth)
        var cellWidths: [[Int]] = []
        cellWidths.reserveCapacity(rows.count)
        for row in rows {
            let w = row.map(displayWidth)
            for (i, width) in w.enumerated() where i < widths.count { widths[i] = max(widths[i], width) }
            cellWidths.append(w)
        }
        func line(_ cells: [String], _ cellWidth: [Int]) -> String {
            var out = ""
            var pending = 0
            for (i, cell) in cells.enumerated() {
                if cell.isEmpty {
                    pending += widths[i] + 2
                    continue
                }
                if pending > 0 { out += String(repeating: " ", count: pending) }
                out += cell
                pending = widths[i] - cellWidth[i] + 2
            }
            return out
        }
        emit(line(header, header.map(displayWidth)))
        for (row, w) in zip(rows, cellWidths) { emit(line(row, w)) }
    }
}

/// Terminal columns a string takes: East Asian wide and full-width characters take two.
func displayWidth(_ text: String) -> Int {
    if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.utf8.count }
    return text.unicodeScalars.reduce(0) { width, c in
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

// The record as CSV, the same for `laba history --format csv` and the console's download.

import Foundation
import LabaCore

/// RFC 4180 CSV with a UTF-8 byte-order mark, so that spreadsheets read Chinese names right.
public func csv(_ rows: [[String]]) -> String {
    func field(_ text: String) -> String {
        let text = defusedFormula(text)
        return text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
    return "\u{FEFF}" + rows.map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
}

/// A text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first: an
/// upload named `=HYPERLINK(...)`) gets a leading apostrophe, as OWASP recommends against CSV
/// injection; a plain number (`-3`, `+1.5`) stays a number.
public func defusedFormula(_ text: String) -> String {
    guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
    let rest = text.unicodeScalars.dropFirst()
    let number = (first == "-" || first == "+") && !rest.isEmpty && rest.first != "." && rest.last != "."
        && rest.allSatisfy { ("0"..."9").contains($0) || $0 == "." } && rest.filter { $0 == "." }.count <= 1
    return number ? text : "'" + text
}

/// A live talk's recording and its loudness (LUFS); empty for other broadcasts.
private func liveColumns(_ b: BroadcastJSON) -> [String] {
    [b.recording ?? "", b.loudness.map { String(format: "%.1f", $0) } ?? ""]
}

/// `laba history --format csv`: one row per broadcast, the API's field names as the header.
public func historyCSV(_ list: BroadcastList, withUnit: Bool = false) -> String {
    let header = ["id", "source", "entry", "message", "output", "zone", "priority", "planned_languages",
                  "played_languages", "planned_at", "started_at", "ended_at", "state", "outcome", "reason",
                  "requested_uid", "requested_user", "frames", "xruns", "position_lat", "position_lon", "position_at",
                  "recording", "loudness"]
        + (withUnit ? ["unit", "command"] : [])
    let rows = list.broadcasts.map { b in
        [b.id, b.source.description, b.entry ?? "", b.message, b.output, b.zone, b.priority.description,
         b.languages.planned.joined(separator: " "), b.languages.played.joined(separator: " "), b.plannedAt,
         b.startedAt ?? "", b.endedAt ?? "", b.state.description, b.outcome?.description ?? "", b.reason ?? "",
         b.requestedBy.flatMap { if case .socket(let uid, _) = $0 { String(uid) } else { nil } } ?? "",
         b.requestedBy?.label ?? "", String(b.frames), String(b.xruns),
         b.position.map { String($0.lat) } ?? "", b.position.map { String($0.lon) } ?? "", b.position?.at ?? ""]
            + liveColumns(b) + (withUnit ? [b.unit ?? "", b.command ?? ""] : [])
    }
    return csv([header] + rows)
}

/// `laba schedule log --format csv` and the console's download: one row per change of the operators' schedule.
public func scheduleLogCSV(_ log: ScheduleLogJSON) -> String {
    let header = ["at", "version", "action", "entry", "requested_uid", "requested_user", "via", "before", "after"]
    let rows = log.changes.map { c in
        [c.at, String(c.version), c.action, c.entry,
         c.requestedBy.flatMap { if case .socket(let uid, _) = $0 { String(uid) } else { nil } } ?? "",
         c.requestedBy?.label ?? "", c.via, c.before?.oneLine ?? "", c.after?.oneLine ?? ""]
    }
    return csv([header] + rows)
}

extension OperatorEntry {
    /// `zone message at ...`, one line, as the audit log shows an entry.
    public var oneLine: String {
        var parts = [zone, message, at.joined(separator: "; ")]
        if let v = every { parts.append("every \(v)") }
        if let v = from { parts.append("from \(v)") }
        if let v = until { parts.append("until \(v)") }
        if let v = `repeat` { parts.append("repeat \(v)") }
        if let v = languages { parts.append("languages \(v.joined(separator: ","))") }
        if let v = catchUp { parts.append("catch_up \(v)") }
        if let v = maxDelay { parts.append("max_delay \(v)") }
        if paused { parts.append("paused") }
        return parts.joined(separator: " ")
    }
}

// What the templates show, built from the engine's values: names as configured (ids in small
// print), times in the configuration's zone, every word from the catalogue.

import Foundation
import LabaCatalog
import LabaControl
import LabaCore
import Mustache

/// The catalogue of one language, as the templates read it (`{{t.webBrand}}`).
struct Texts: Sendable {
    let language: CatalogLanguage
    let all: [String: String]

    init(_ language: CatalogLanguage) {
        self.language = language
        var all: [String: String] = [:]
        for key in Catalog.Key.allCases { all[key.rawValue] = Catalog.text(key, in: language) }
        self.all = all
    }

    func callAsFunction(_ key: Catalog.Key, _ arguments: [String: String] = [:]) -> String {
        Catalog.text(key, arguments, in: language)
    }

    static let byLanguage: [CatalogLanguage: Texts] = Dictionary(uniqueKeysWithValues: CatalogLanguage.allCases.map { ($0, Texts($0)) })

    func state(_ name: String) -> String { Catalog.stateName(name, in: language) }

    func role(_ role: ConsoleRole) -> String {
        switch role {
        case .viewer: self(.webRoleViewer)
        case .operator: self(.webRoleOperator)
        case .admin: self(.webRoleAdmin)
        }
    }

    /// Why a scheduled occurrence will not play.
    func skip(_ reason: SkipReason) -> String {
        switch reason {
        case .quietHours(let q): self(.webSkipQuietHours, ["hours": "\(q)"])
        case .messageNotYetValid(let d): self(.webSkipNotYetValid, ["date": "\(d)"])
        case .messageExpired(let d): self(.webSkipExpired, ["date": "\(d)"])
        case .noRecording: self(.webSkipNoRecording)
        }
    }

    /// A civil-defence signal's name (预先警报…).
    func siren(_ kind: SirenKind) -> String {
        switch kind {
        case .preliminary: self(.sirenPreliminary)
        case .airRaid: self(.sirenAirRaid)
        case .allClear: self(.sirenAllClear)
        case .disaster: self(.sirenDisaster)
        }
    }

    /// A refusal of the front door in this page's language.
    func refusal(_ refusal: Refusal) -> String {
        Catalog.refusal(code: refusal.code.rawValue, args: refusal.args, in: language) ?? refusal.code.rawValue
    }
}

/// Names and times in the configuration's terms, times as a clerk reads them (`今天 07:30`)
/// relative to the daemon's clock, never the console's own.
struct Naming {
    let config: Config
    let tree: ZoneTree
    var wire: WireFormat
    /// The daemon's "now", for `今天`/`昨天`.
    let now: Date
    /// The page's language, for the words around a time.
    let reader: CatalogLanguage

    /// Titles carried by the fleet's recordings, for messages the configuration does not title.
    let libraryTitles: [String: String]

    init(_ config: Config, now: Instant, language: CatalogLanguage, libraryTitles: [String: String] = [:]) {
        self.config = config
        self.libraryTitles = libraryTitles
        tree = ZoneTree(config)
        wire = WireFormat(config.timeZone)
        self.now = Date(timeIntervalSince1970: Double(now.microseconds) / 1e6)
        reader = language
    }

    func zone(_ id: String) -> String { tree[id]?.name ?? id }
    /// A loudspeaker's `name:`, else its id.
    func output(_ id: String) -> String { config.outputs.first { $0.id.value == id }?.name ?? id }
    /// Whether a loudspeaker has a name of its own (then its id is shown beside it, small).
    func outputNamed(_ id: String) -> Bool { output(id) != id }
    func message(_ id: String) -> String { config.messageInfo(id)?.title ?? libraryTitles[id] ?? id }
    /// Whether a message has a title of its own (then its id is shown beside it, small).
    func messageNamed(_ id: String) -> Bool { message(id) != id }
    func language(_ id: String) -> String { config.language(id)?.name ?? id }
    /// Whether the output may be moved by hand: a mobile one (it follows GPS).
    func isMobile(_ id: String) -> Bool { config.outputs.first { $0.id.value == id }?.follow != nil }

    /// An RFC 3339 time (as the API answers) as a clerk reads it: `今天 07:30`, `12月7日 18:00`.
    func clerk(_ rfc3339: String?) -> String {
        guard let rfc3339 else { return "" }
        return ClerkTime.format(rfc3339, now: now, in: reader)
    }

    /// A time of the store (microseconds) as a clerk reads it, in the configuration's zone.
    mutating func time(_ us: Int64?) -> String { clerk(wire.time(us)) }

    /// The same, for lists of the last days.
    mutating func shortTime(_ us: Int64?) -> String { time(us) }

    /// The zones a target reaches where a loudspeaker serves now (the deepest, named): what an
    /// emergency confirmation lists, so that "the county" reads as its townships.
    func zonesReached(_ targets: [String], all: Bool, outputZones: [String]) -> [String] {
        var reached: [String] = []
        for zone in outputZones where !reached.contains(zone) {
            if all || targets.contains(where: { tree.zone(zone, isWithin: $0) }) { reached.append(zone) }
        }
        let order = zonesInTreeOrder.map(\.zone.id)
        return reached.sorted { (order.firstIndex(of: $0) ?? .max) < (order.firstIndex(of: $1) ?? .max) }
    }

    /// The zones depth first, in the file's order, for a tree picker.
    var zonesInTreeOrder: [(zone: ResolvedZone, depth: Int)] {
        var children: [String: [ResolvedZone]] = [:]
        var roots: [ResolvedZone] = []
        for zone in tree.zones {
            if let parent = zone.parent, tree[parent] != nil { children[parent, default: []].append(zone) } else { roots.append(zone) }
        }
        var out: [(ResolvedZone, Int)] = []
        func visit(_ zone: ResolvedZone, _ depth: Int) {
            out.append((zone, depth))
            for child in children[zone.id] ?? [] { visit(child, depth + 1) }
        }
        roots.forEach { visit($0, 0) }
        return out
    }
}

struct ZoneChoice {
    var id: String
    var name: String
    var depth: Int
    var checked = false
    var selected = false
    /// The loudspeakers serving it now, by name.
    var outputs: [String] = []
}

struct Choice {
    var id: String
    var name: String
    var title: String
    var selected = false
    /// The title is a name of its own, not the id again (then the id is shown small, for a technician).
    var named = false
}

// MARK: Overview

struct OverviewPage {
    /// A one-tap button as the overview shows it: a form that asks what the broadcast page asks.
    struct Button {
        var id: String
        var title: String
        var detail: String
        var emergency: Bool
        var fields: [Site.ConfirmPage.Field]
    }

    /// Stored, not computed: the templates read values by reflection.
    var buttons: [Button] = [] { didSet { hasButtons = !buttons.isEmpty } }
    var hasButtons = false

    struct Playing {
        var id: String
        var message: String
        var title: String
        var languageName: String
        var position: Int
        var count: Int
    }

    struct Output {
        var id: String
        var name: String
        var named: Bool
        var zone: String
        var zoneName: String
        var state: String
        var stateName: String
        var playing: Playing?
        var waiting: String?
        var next: String
        /// The amplifier of an output with `power:`: its state, and a switching that fails.
        var power: String?
        var powerProblem: String?
        /// The off-air check: the last word from the horn, and a horn taken to be silent.
        var monitor: String? = nil
        var silent: String? = nil
        /// Why the horn cannot be checked (its microphone cannot be opened).
        var monitorProblem: String? = nil
        /// The operators' volume, when it is not the technician's own (`音量：-6 dB`).
        var volume: String?
    }

    struct Recent {
        var id: String
        var time: String
        var message: String
        var title: String
        var output: String
        var outputName: String
        var outputNamed: Bool
        var outcome: String
        var outcomeName: String
        var by: String
    }

    var outputs: [Output]
    var recent: [Recent]
    /// On a commander, its units (the overview's page, not its live part).
    var units: Site.UnitsSection?

    init(status: EngineStatus, recent records: [BroadcastRecord], naming: Naming, texts: Texts) {
        var naming = naming
        outputs = status.outputs.map { o in
            let state = !o.available ? "unavailable" : o.playing == nil ? "idle" : "playing"
            let playing = o.playing.map { r in
                let languages = r.plannedLanguages
                let index = min(r.segment % max(1, languages.count), max(0, languages.count - 1))
                return Playing(id: r.id, message: r.message, title: naming.message(r.message),
                               languageName: languages.isEmpty ? "" : naming.language(languages[index]),
                               position: languages.isEmpty ? 1 : index + 1, count: max(1, languages.count))
            }
            let next = o.next.map { "\(naming.time($0.time.microseconds)) \(naming.message($0.message))" } ?? texts(.webNothingScheduled)
            return Output(id: o.id, name: naming.output(o.id), named: naming.outputNamed(o.id), zone: o.zone, zoneName: naming.zone(o.zone), state: state, stateName: texts.state(state),
                          playing: playing, waiting: o.queue.isEmpty ? nil : texts(.webWaiting, ["n": String(o.queue.count)]),
                          next: next, power: o.power.map { texts(.webPower, ["state": Catalog.powerStateName($0.state, in: texts.language)]) },
                          powerProblem: o.power?.problemWords(in: texts.language).map { texts(.webPowerProblem, ["problem": $0]) },
                          monitor: o.monitor?.heard.map { texts(.webMonitor, ["heard": Catalog.heardName($0.rawValue, in: texts.language)]) },
                          silent: o.monitor.flatMap { $0.silent ? texts(.webHornSilent, ["n": String($0.unheard)]) : nil },
                          monitorProblem: o.monitor?.problemCode.flatMap { Catalog.monitorProblem($0.rawValue, web: true, in: texts.language) },
                          volume: o.volume.flatMap { $0.db == 0 ? nil : texts(.webVolumeNow, ["db": VolumeText.db($0.db)]) })
        }
        recent = records.map { r in
            let outcome = r.outcome?.rawValue ?? r.state.rawValue
            return Recent(id: r.id, time: naming.shortTime(r.plannedAt), message: r.message, title: naming.message(r.message),
                          output: r.output, outputName: naming.output(r.output), outputNamed: naming.outputNamed(r.output), outcome: outcome, outcomeName: texts.state(outcome), by: r.requestedBy?.label ?? "")
        }
    }
}

// MARK: Record

struct RecordRow {
    var id: String
    var time: String
    var output: String
    var outputName: String
    var outputNamed: Bool
    var zone: String
    var message: String
    var title: String
    var languages: String
    var outcome: String
    var outcomeName: String
    var by: String
    var reason: String
    /// The unit that reported it, on a commander (nil: this office's own).
    var unit: String?
    /// Shown with a unit column (the record page on a commander).
    var desk = false

    init(_ r: BroadcastRecord, unit: String? = nil, naming: inout Naming, texts: Texts) {
        self.unit = unit
        id = r.id
        time = naming.time(r.plannedAt)
        output = r.output
        outputName = naming.output(r.output)
        outputNamed = naming.outputNamed(r.output)
        zone = naming.zone(r.zone)
        message = r.message
        title = naming.message(r.message)
        languages = (r.playedLanguages.isEmpty ? r.plannedLanguages : r.playedLanguages).map(naming.language).joined(separator: "、")
        outcome = r.outcome?.rawValue ?? r.state.rawValue
        outcomeName = texts.state(outcome)
        by = r.requestedBy?.label ?? texts(.webBySchedule)
        // From its code in the page's language; an older unit's prose as it sent it.
        reason = Catalog.reason(code: r.reasonCode, args: r.reasonArgs, words: r.reason, in: texts.language) ?? ""
    }
}

// The record page lists a hundred records: its rows name their fields for the templates (see UnitRow).
extension RecordRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "time": time
        case "output": output
        case "outputName": outputName
        case "outputNamed": outputNamed
        case "zone": zone
        case "message": message
        case "title": title
        case "languages": languages
        case "outcome": outcome
        case "outcomeName": outcomeName
        case "by": by
        case "reason": reason
        case "unit": unit
        case "desk": desk
        default: nil
        }
    }
}

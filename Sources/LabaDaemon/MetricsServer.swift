// `/metrics` (Prometheus's text format, swift-prometheus) and `/healthz`, served by HummingbirdCore's
// server inside labad's own service group (not `Application.run`, whose date timer would wake an
// idle daemon every second). Counters move with the engine's events; every gauge is computed when
// a scraper asks, so nothing runs between scrapes (issue 31).

import CLinux
import Foundation
import Hummingbird
import HummingbirdCore
import LabaControl
import LabaCore
import LabaStore
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization

/// The figures a county's monitoring scrapes. Thread-safe (the registry locks).
public final class DaemonMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// First-frame latency's buckets (seconds): a manual trigger is met within 50 ms; a scheduled
    /// one waiting behind another broadcast lands in the upper ones.
    static let latencyBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]
    let latency: ValueHistogram
    /// Label sets of the gauges set at the last scrape, to drop those of removed outputs and units.
    private let labelled = Mutex<[String: Set<String>]>([:])

    /// The off-air check's silent horn (issue 30): the technician's guide's alert rule uses it.
    public static let hornSilentMetric = "laba_horn_silent"

    public init() {
        latency = registry.makeValueHistogram(
            descriptor: Self.name("laba_first_frame_latency_seconds",
                                  "From a broadcast's planned instant (a manual one: its acceptance) to its first frame on the output"),
            buckets: Self.latencyBuckets)
        registry.makeGauge(descriptor: Self.name("laba_build_info", "The running labad's version (always 1)"),
                           labels: [("version", LabaVersion.string)]).set(to: 1)
    }

    /// A broadcast ended: counted by source and outcome, its underruns by output.
    func ended(_ record: BroadcastRecord) {
        registry.makeCounter(descriptor: Self.name("laba_broadcasts_total", "Broadcasts ended, by source and outcome"),
                             labels: [("source", record.source.rawValue), ("outcome", record.outcome?.rawValue ?? "unknown")])
            .increment()
        let xruns = registry.makeCounter(descriptor: Self.name("laba_xruns_total", "ALSA underruns (xruns) recovered while playing, by output"),
                                         labels: [("output", record.output)])
        if record.xruns > 0 { xruns.increment(by: Int64(record.xruns)) }
    }

    /// A broadcast's first frame reached its output (for the first time: a resumed one is not counted again).
    func started(_ record: BroadcastRecord) {
        guard let started = record.startedAt else { return }
        latency.record(Double(max(0, started - record.plannedAt)) / 1e6)
    }

    /// Sets a labelled gauge; gauges of the same name whose label is not in `values` are removed.
    func setGauges(_ name: String, label: String, help: String, _ values: [String: Double]) {
        let gone = labelled.withLock { sets -> Set<String> in
            let before = sets[name] ?? []
            sets[name] = Set(values.keys)
            return before.subtracting(values.keys)
        }
        let descriptor = Self.name(name, help)
        for value in gone { registry.unregisterGauge(registry.makeGauge(descriptor: descriptor, labels: [(label, value)])) }
        for (value, number) in values { registry.makeGauge(descriptor: descriptor, labels: [(label, value)]).set(to: number) }
    }

    func setGauge(_ name: String, help: String, _ value: Double) {
        registry.makeGauge(descriptor: Self.name(name, help)).set(to: value)
    }

    /// A metric's full name (units included) and its help line.
    static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Whether the kernel says the clock is synchronised (NTP, chrony or systemd-timesyncd set it).
    public static func clockSynced() -> Bool {
        var t = timex()
        let state = adjtimex(&t)
        return state >= 0 && state != TIME_ERROR && (t.status & STA_UNSYNC) == 0
    }

    /// Bytes free for an unprivileged writer on the file system of `path`; nil when it cannot be read.
    ///
    /// Blocks (a stat of a slow disk): call it off the event loops.
    static func diskFree(_ path: String) -> Double? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return Double(s.f_bavail) * Double(s.f_frsize)
    }
}

/// The daemon being ready: the control socket listens and the schedule is armed.
public final class ReadyFlag: Sendable {
    private let value = Atomic<Bool>(false)
    public init() {}
    public func set() { value.store(true, ordering: .releasing) }
    public var isSet: Bool { value.load(ordering: .acquiring) }
}

/// What `/healthz` answers: each check, and whether the daemon is healthy.
struct HealthJSON: Encodable {
    var healthy: Bool
    var ready: Bool
    var storeWritable: Bool
    /// Each output's availability (its device opens).
    var outputs: [String: Bool]
    /// `connected`, `disconnected`, or nil without `fleet:`.
    var fleetLink: String?
    var clockSynced: Bool
    /// Reported, not failing: what restarting labad would not mend (the broker, NTP).
    var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case healthy, ready, storeWritable = "store_writable", outputs, fleetLink = "fleet_link", clockSynced = "clock_synced", warnings
    }
}

/// `/metrics` and `/healthz` on `metrics.listen`, with the engine's events counted as they come.
struct MetricsService: Service {
    let settings: MetricsConfig
    /// The bearer token scrapers send; nil on loopback without `token_file`.
    let token: String?
    let engine: Engine
    let store: Store
    let fleet: FleetService?
    let stateDirectory: String
    let metrics: DaemonMetrics
    let ready: ReadyFlag
    let logger: Logger

    /// - Throws: `DaemonError.state` when `token_file` cannot be read or is empty.
    init(settings: MetricsConfig, engine: Engine, store: Store, fleet: FleetService?, stateDirectory: String,
         metrics: DaemonMetrics, ready: ReadyFlag, logger: Logger) throws {
        self.settings = settings
        self.engine = engine
        self.store = store
        self.fleet = fleet
        self.stateDirectory = stateDirectory
        self.metrics = metrics
        self.ready = ready
        self.logger = logger
        if let file = settings.tokenFile {
            // Read once at start, before the service group runs (a change needs a restart).
            // As `laba check` reads it (ConfigFiles.problems).
            do {
                token = try ConfigFiles.firstLine(file).trimmingCharacters(in: .whitespaces)
            } catch {
                throw DaemonError.state("metrics.token_file: \(file) \(error)")
            }
        } else {
            token = nil
        }
    }

    func run() async throws {
        let events = await engine.follow()
        let metrics = self.metrics
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                var started = Set<String>()
                for await event in events.cancelOnGracefulShutdown() {
                    guard case .broadcast(let record) = event else { continue }
                    if record.state == .done {
                        started.remove(record.id)
                        metrics.ended(record)
                    } else if record.startedAt != nil, !started.contains(record.id) {
                        started.insert(record.id)
                        metrics.started(record)
                    }
                }
            }
            try await server().run()
            group.cancelAll()
        }
    }

    func server() throws -> any Service {
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        let logger = self.logger
        return try HTTPServerBuilder.http1().buildServer(
            configuration: ServerConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "labad"),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger
        ) { request, responseWriter, _ in
            let response = await respond(request)
            try await responseWriter.write(response: response.head, body: response.body)
        } onServerRunning: { channel in
            let port = channel.localAddress?.port ?? settings.port
            logger.notice("metrics listening on http://\(host):\(port)/metrics")
        }
    }

    func respond(_ request: Request) async -> Response {
        if let token {
            let sent = request.headers[.authorization] ?? ""
            guard Self.sameToken(sent, "Bearer " + token) else {
                var headers = HTTPFields()
                headers[.wwwAuthenticate] = "Bearer realm=\"labad\""
                headers[.contentType] = "text/plain; charset=utf-8"
                return Response(status: .unauthorized, headers: headers,
                                body: .init(byteBuffer: ByteBuffer(string: "a bearer token is needed (metrics.token_file)\n")))
            }
        }
        guard request.method == .get || request.method == .head else {
            return text("GET only\n", status: .methodNotAllowed)
        }
        switch request.uri.path {
        case "/metrics":
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: await scrape())))
        case "/healthz":
            let health = await health()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var data = (try? encoder.encode(health)) ?? Data()
            data.append(0x0A)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: health.healthy ? .ok : .serviceUnavailable, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        default:
            return text("/metrics or /healthz\n", status: .notFound)
        }
    }

    func text(_ body: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Compares in time independent of where the texts differ.
    static func sameToken(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return difference == 0
    }

    /// Every gauge, computed now; then the registry's text.
    func scrape() async -> [UInt8] {
        let status = await engine.status(withNext: false)
        metrics.setGauges("laba_queue_length", label: "output", help: "Broadcasts waiting on an output",
                          Dictionary(status.outputs.map { ($0.id, Double($0.queue.count)) }) { a, _ in a })
        metrics.setGauges("laba_output_playing", label: "output", help: "Whether an output plays a broadcast now (1) or not (0)",
                          Dictionary(status.outputs.map { ($0.id, $0.playing == nil ? 0 : 1) }) { a, _ in a })
        metrics.setGauges("laba_output_available", label: "output", help: "Whether an output's device opens (1) or not (0)",
                          Dictionary(status.outputs.map { ($0.id, $0.available ? 1 : 0) }) { a, _ in a })
        // The off-air check and the amplifier (SPEC 18), for the outputs that have them.
        metrics.setGauges(DaemonMetrics.hornSilentMetric, label: "output",
                          help: "Whether an output's horn is taken to be silent (1: monitor.silent_after broadcasts in a row not heard) or not (0)",
                          Dictionary(status.outputs.compactMap { o in o.monitor.map { (o.id, $0.silent ? 1.0 : 0.0) } }) { a, _ in a })
        metrics.setGauges("laba_horn_unheard", label: "output", help: "Broadcasts in a row the off-air check did not hear, by output",
                          Dictionary(status.outputs.compactMap { o in o.monitor.map { (o.id, Double($0.unheard)) } }) { a, _ in a })
        metrics.setGauges("laba_amplifier_on", label: "output",
                          help: "Whether an output's amplifier is switched on (1: warming, on or holding) or off (0)",
                          Dictionary(status.outputs.compactMap { o in o.power.map { (o.id, $0.state == "off" ? 0.0 : 1.0) } }) { a, _ in a })
        metrics.setGauges("laba_amplifier_switch_failed", label: "output",
                          help: "Whether the last switching of an output's amplifier failed (1) or not (0)",
                          Dictionary(status.outputs.compactMap { o in o.power.map { (o.id, $0.problem == nil ? 0.0 : 1.0) } }) { a, _ in a })
        metrics.setGauge("laba_records_behind", help: "Records the state dir has not taken yet (a full disk), kept in memory",
                         Double(status.recordsBehind))
        metrics.setGauge("laba_clock_synced", help: "Whether the kernel says the clock is synchronised (1) or not (0)",
                         DaemonMetrics.clockSynced() ? 1 : 0)
        let directory = stateDirectory
        let store = self.store
        let commander = await fleet?.state()
        // statvfs and the units' table: blocking work, off the event loops.
        let (free, units) = (try? await NIOThreadPool.singleton.runIfActive { () -> (Double?, [FleetUnitRow]) in
            (DaemonMetrics.diskFree(directory), commander?.role == "commander" ? ((try? store.units()) ?? []) : [])
        }) ?? (nil, [])
        if let free {
            metrics.setGauge("laba_disk_free_bytes", help: "Bytes free on the state dir's file system", free)
        }
        if let state = commander {
            metrics.setGauge("laba_fleet_connected", help: "Whether the fleet's broker link is up (1) or not (0)", state.connected ? 1 : 0)
            if let counts = await fleet?.limitCounts() {
                metrics.setGauge("laba_fleet_messages_dropped", help: "Fleet messages dropped unread since the start (too large, or no room)",
                                 Double(counts.messagesDropped))
                if state.role == "commander" {
                    metrics.setGauge("laba_fleet_records_pruned", help: "Units' records removed since the start to keep fleet.records_per_unit",
                                     Double(counts.recordsPruned))
                }
            }
            metrics.setGauge("laba_fleet_outbox_messages", help: "Messages waiting for the broker's acknowledgement (acks, records, recordings)",
                             Double(state.outbox))
            if state.role == "commander" {
                metrics.setGauge("laba_fleet_pending_commands", help: "Commands not yet answered by every unit nor expired",
                                 Double(state.pendingCommands ?? 0))
                metrics.setGauge("laba_fleet_units_online", help: "Units whose status is online",
                                 Double(units.filter { $0.state == "online" }.count))
                metrics.setGauge("laba_fleet_units", help: "Units this commander has heard of", Double(units.count))
                metrics.setGauges("laba_fleet_unit_online", label: "unit", help: "Whether a unit is online (1) or offline (0)",
                                  Dictionary(units.map { ($0.unit, $0.state == "online" ? 1 : 0) }) { a, _ in a })
            }
        }
        return metrics.registry.emitToBuffer()
    }

    func health() async -> HealthJSON {
        let status = await engine.status(withNext: false)
        let directory = stateDirectory
        let writable = (try? await NIOThreadPool.singleton.runIfActive { directoryIsWritable(directory) }) ?? false
        let link = await fleet?.state().connected
        let synced = DaemonMetrics.clockSynced()
        var warnings: [String] = []
        if link == false { warnings.append("the fleet's broker is not connected") }
        if !synced { warnings.append("the clock is not synchronised (NTP)") }
        let outputs = Dictionary(status.outputs.map { ($0.id, $0.available) }) { a, _ in a }
        let healthy = ready.isSet && writable && outputs.values.allSatisfy { $0 }
        return HealthJSON(healthy: healthy, ready: ready.isSet, storeWritable: writable, outputs: outputs,
                          fleetLink: link.map { $0 ? "connected" : "disconnected" }, clockSynced: synced, warnings: warnings)
    }
}

// Playback through libasound: one PCM, opened through the plug layer, written a period at a time.

import CALSA
import Glibc
import LabaCore

/// One ALSA playback PCM.
///
/// The contract, in MPD's manner:
/// - `open` blocks briefly; `write` blocks at most about one period per call of `writePeriod`;
///   `drain` blocks until what is queued has played (at most `queueLimit` plus a period).
/// - Thread rules: not thread-safe. Open, write, drain and close on one thread, the output's own
///   (never Swift's cooperative pool). Only a `CancelToken` crosses threads.
/// - Errors: `AudioError.open` from `open`; `AudioError.deviceLost` when the device goes away
///   (reopen later); `AudioError.write` for anything else. Underruns, suspends and interrupted
///   calls are recovered and counted in `xruns`.
///
/// While playing, about `queueLimit` of sound is kept queued (not the whole buffer), so that a
/// stop takes effect quickly; the 500 ms buffer is the room ALSA has, not the latency.
public final class PCMOutput {
    public struct Format: Equatable, Sendable, CustomStringConvertible {
        public var rate: Int
        public var channels: Int

        public init(rate: Int, channels: Int) {
            self.rate = rate
            self.channels = channels
        }

        public var description: String { "\(rate) Hz, \(channels) ch" }
    }

    /// The sample formats tried, best first; the plug layer converts to the device's own.
    enum SampleFormat {
        case float, s32, s16

        var alsa: snd_pcm_format_t {
            switch self {
            case .float: SND_PCM_FORMAT_FLOAT_LE
            case .s32: SND_PCM_FORMAT_S32_LE
            case .s16: SND_PCM_FORMAT_S16_LE
            }
        }
    }

    public static let bufferTime = 500_000  // µs
    public static let periodTime = 25_000   // µs
    /// Periods kept queued while playing.
    public static let queuedPeriods = 2

    /// The name as configured, for messages.
    public let device: String
    /// The name handed to ALSA: `hw:` devices go through the plug layer.
    public let pcmName: String
    public private(set) var format: Format?
    public private(set) var xruns = 0
    /// Keeps the envelope of what is written, while a monitored broadcast plays (SPEC 18).
    public var meter: EnvelopeMeter?
    /// Times the PCM was opened (a program opens it once).
    public private(set) var opens = 0
    /// Frames per period and in the whole buffer, as ALSA granted them.
    public private(set) var periodFrames = 0
    public private(set) var bufferFrames = 0

    private var pcm: OpaquePointer?
    private var sampleFormat = SampleFormat.float
    private var conversion: [Int32] = []
    private var conversion16: [Int16] = []

    public init(device: String) {
        self.device = device
        self.pcmName = device.hasPrefix("hw:") ? "plug" + device : device
    }

    deinit { close() }

    public var isOpen: Bool { pcm != nil }

    /// Opens the PCM for `format`, closing it first if it is open with another.
    ///
    /// - Parameter deviceFormat: what the device itself must run at (an output's fixed `rate` and
    ///   `channels`); the plug layer converts `format` to it. nil: whatever the device takes.
    public func open(_ format: Format, deviceRate: Int? = nil, deviceChannels: Int? = nil) throws(AudioError) {
        if pcm != nil, self.format == format { return }
        close()
        var handle: OpaquePointer?
        var err: Int32
        if deviceRate != nil || deviceChannels != nil {
            err = openConverting(&handle, rate: deviceRate, channels: deviceChannels)
        } else {
            err = snd_pcm_open(&handle, pcmName, SND_PCM_STREAM_PLAYBACK, 0)
        }
        guard err >= 0, let handle else { throw .open(device: device, call: "snd_pcm_open", reason: alsaReason(err)) }
        do {
            try configure(handle, format)
        } catch {
            snd_pcm_close(handle)
            throw error
        }
        err = snd_pcm_prepare(handle)
        if err < 0 {
            snd_pcm_close(handle)
            throw .open(device: device, call: "snd_pcm_prepare", reason: alsaReason(err))
        }
        pcm = handle
        self.format = format
        opens += 1
    }

    /// Opens `plug` over the device with its rate or channel count fixed: the global ALSA
    /// configuration, copied, with one PCM added that names the device as its slave.
    private func openConverting(_ handle: inout OpaquePointer?, rate: Int?, channels: Int?) -> Int32 {
        var top: OpaquePointer?
        var err = snd_config_update_ref(&top)
        guard err >= 0, let top else { return err }
        defer { snd_config_unref(top) }
        var copy: OpaquePointer?
        err = snd_config_copy(&copy, top)
        guard err >= 0, let copy else { return err }
        defer { snd_config_delete(copy) }
        let escaped = pcmName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        var text = "pcm.__laba_fixed { type plug slave { pcm \"\(escaped)\""
        if let rate { text += " rate \(rate)" }
        if let channels { text += " channels \(channels)" }
        text += " } }\n"
        var input: OpaquePointer?
        err = snd_input_buffer_open(&input, text, text.utf8.count)
        guard err >= 0, let input else { return err }
        err = snd_config_load(copy, input)
        snd_input_close(input)
        guard err >= 0 else { return err }
        return snd_pcm_open_lconf(&handle, "__laba_fixed", SND_PCM_STREAM_PLAYBACK, 0, copy)
    }

    private func configure(_ handle: OpaquePointer, _ format: Format) throws(AudioError) {
        var hw: OpaquePointer?
        snd_pcm_hw_params_malloc(&hw)
        defer { snd_pcm_hw_params_free(hw) }
        func check(_ code: Int32, _ call: String) throws(AudioError) {
            if code < 0 { throw .open(device: device, call: call, reason: alsaReason(code)) }
        }
        var dir: Int32 = 0
        // S16, converted here from float, is what USB cards and horns take, and spares alsa-lib's
        // slow generic float conversion (half the CPU of playback otherwise); some plugin chains
        // (plug over file over PulseAudio) install only some formats, so try each through to
        // snd_pcm_hw_params. For each, ask for a
        // 500 ms buffer of 25 ms periods, then the buffer alone, then the device's own choice.
        var lastError: AudioError = .open(device: device, call: "snd_pcm_hw_params_set_format",
                                          reason: "no float, S32 or S16 format")
        var installed = false
        search: for candidate in [SampleFormat.s16, .s32, .float] {
            for attempt in 0..<3 {
                do throws(AudioError) {
                    try check(snd_pcm_hw_params_any(handle, hw), "snd_pcm_hw_params_any")
                    try check(snd_pcm_hw_params_set_access(handle, hw, SND_PCM_ACCESS_RW_INTERLEAVED),
                              "snd_pcm_hw_params_set_access")
                    try check(snd_pcm_hw_params_set_format(handle, hw, candidate.alsa), "snd_pcm_hw_params_set_format")
                    try check(snd_pcm_hw_params_set_channels(handle, hw, UInt32(format.channels)),
                              "snd_pcm_hw_params_set_channels(\(format.channels))")
                    var rate = UInt32(format.rate)
                    try check(snd_pcm_hw_params_set_rate_near(handle, hw, &rate, &dir),
                              "snd_pcm_hw_params_set_rate_near(\(format.rate))")
                    if Int(rate) != format.rate {
                        throw .open(device: device, call: "snd_pcm_hw_params_set_rate_near",
                                              reason: "\(format.rate) Hz not available (nearest \(rate) Hz); use a plug PCM")
                    }
                    var bufferTime = UInt32(Self.bufferTime), periodTime = UInt32(Self.periodTime)
                    if attempt < 2 { _ = snd_pcm_hw_params_set_buffer_time_near(handle, hw, &bufferTime, &dir) }
                    if attempt < 1 { _ = snd_pcm_hw_params_set_period_time_near(handle, hw, &periodTime, &dir) }
                    try check(snd_pcm_hw_params(handle, hw), "snd_pcm_hw_params")
                    sampleFormat = candidate
                    installed = true
                    break search
                } catch {
                    lastError = error
                    // A format the PCM does not take at all: no buffer size will help.
                    if case .open(_, let call, _) = error, call != "snd_pcm_hw_params" { break }
                }
            }
        }
        if !installed { throw lastError }
        var period: snd_pcm_uframes_t = 0, buffer: snd_pcm_uframes_t = 0
        snd_pcm_hw_params_get_period_size(hw, &period, &dir)
        snd_pcm_hw_params_get_buffer_size(hw, &buffer)
        periodFrames = max(1, Int(period))
        bufferFrames = max(periodFrames, Int(buffer))

        var sw: OpaquePointer?
        snd_pcm_sw_params_malloc(&sw)
        defer { snd_pcm_sw_params_free(sw) }
        let queue = queueTarget
        try check(snd_pcm_sw_params_current(handle, sw), "snd_pcm_sw_params_current")
        try check(snd_pcm_sw_params_set_start_threshold(handle, sw, snd_pcm_uframes_t(queue)), "snd_pcm_sw_params_set_start_threshold")
        // Wake the writer when no more than `queue` frames remain queued.
        try check(snd_pcm_sw_params_set_avail_min(handle, sw, snd_pcm_uframes_t(max(periodFrames, bufferFrames - queue))),
                  "snd_pcm_sw_params_set_avail_min")
        try check(snd_pcm_sw_params(handle, sw), "snd_pcm_sw_params")
    }

    /// Writes interleaved frames in the open format, a period at a time, keeping about
    /// `queuedPeriods` periods queued. Stops early, between periods, when `cancel` is raised.
    ///
    /// - Returns: the frames accepted.
    public func write(_ samples: UnsafePointer<Float>, frames: Int, cancel: CancelToken? = nil) throws(AudioError) -> Int {
        guard let pcm, let format else { throw .write(device: device, call: "write", reason: "the PCM is not open") }
        var done = 0
        while done < frames {
            if cancel?.isCancelled == true { return done }
            guard try waitForRoom(pcm, cancel: cancel) else { continue }
            let chunk = min(periodFrames, frames - done)
            try writeAll(pcm, samples + done * format.channels, frames: chunk, channels: format.channels)
            done += chunk
        }
        return done
    }

    /// Waits until the queue is down to `queuedPeriods` periods, `cancel` is raised, or two
    /// periods pass; true when a period fits in the buffer now. Never blocks longer, so that a stop
    /// is seen at once even on a device (a sound server) that holds far more than our queue.
    private func waitForRoom(_ pcm: OpaquePointer, cancel: CancelToken?) throws(AudioError) -> Bool {
        guard snd_pcm_state(pcm) == SND_PCM_STATE_RUNNING else { return true }
        let timeout = Int32(max(10, 2 * Self.periodTime / 1000))
        // The PCM's descriptors and the token's, in an array kept between periods (no allocation
        // on the writer's path).
        let count = Int(snd_pcm_poll_descriptors_count(pcm))
        if pollDescriptors.count < max(0, count) + 1 { pollDescriptors = [pollfd](repeating: pollfd(), count: max(0, count) + 1) }
        let filled = count > 0 ? Int(snd_pcm_poll_descriptors(pcm, &pollDescriptors, UInt32(count))) : 0
        guard filled > 0 else {
            // No descriptors to poll (some plugins): ALSA's own wait.
            let r = snd_pcm_wait(pcm, timeout)
            if r < 0 { try recover(pcm, r, call: "snd_pcm_wait") }
            return r != 0 || Int(max(0, snd_pcm_avail_update(pcm))) >= periodFrames
        }
        pollDescriptors[filled] = pollfd(fd: cancel?.pollDescriptor ?? -1, events: Int16(POLLIN), revents: 0)
        let n = poll(&pollDescriptors, nfds_t(filled + 1), timeout)
        if n < 0 { return false }  // EINTR: look again
        if pollDescriptors[filled].revents != 0 { return false }  // cancelled: the caller sees it
        if n > 0 {
            var revents: UInt16 = 0
            let r = snd_pcm_poll_descriptors_revents(pcm, &pollDescriptors, UInt32(filled), &revents)
            if r < 0 { try recover(pcm, r, call: "snd_pcm_poll_descriptors_revents") }
            if revents & UInt16(POLLERR) != 0 {
                let state = snd_pcm_state(pcm)
                try recover(pcm, state == SND_PCM_STATE_XRUN ? -EPIPE : state == SND_PCM_STATE_SUSPENDED ? -ESTRPIPE : -EIO,
                            call: "poll")
                return true
            }
            if revents & UInt16(POLLOUT) != 0 { return true }
        }
        let avail = snd_pcm_avail_update(pcm)
        if avail < 0 {
            try recover(pcm, Int32(avail), call: "snd_pcm_avail_update")
            return true
        }
        return Int(avail) >= periodFrames
    }

    /// Frames that fit in the buffer now, without waiting.
    public var room: Int {
        guard let pcm else { return 0 }
        return max(0, Int(snd_pcm_avail_update(pcm)))
    }

    /// Writes the frames only if they fit in the buffer at once (a stop's fade, which must not wait).
    public func writeIfRoom(_ samples: UnsafePointer<Float>, frames: Int) throws(AudioError) -> Int {
        guard let pcm, let format else { return 0 }
        let avail = snd_pcm_avail_update(pcm)
        guard avail >= frames else { return 0 }
        try writeAll(pcm, samples, frames: frames, channels: format.channels)
        return frames
    }

    private var pollDescriptors: [pollfd] = []

    private func writeAll(_ pcm: OpaquePointer, _ samples: UnsafePointer<Float>, frames: Int, channels: Int) throws(AudioError) {
        var offset = 0
        while offset < frames {
            let remaining = frames - offset
            let source = samples + offset * channels
            let n: Int
            switch sampleFormat {
            case .float:
                n = snd_pcm_writei(pcm, source, snd_pcm_uframes_t(remaining))
            case .s32:
                let count = remaining * channels
                if conversion.count < count { conversion = [Int32](repeating: 0, count: count) }
                conversion.withUnsafeMutableBufferPointer { out in
                    for i in 0..<count {
                        // 2^31 - 128: the largest float below 2^31, so full scale cannot overflow.
                        out[i] = Int32(max(-1, min(1, source[i])) * 2_147_483_520)
                    }
                }
                n = conversion.withUnsafeBufferPointer { snd_pcm_writei(pcm, $0.baseAddress, snd_pcm_uframes_t(remaining)) }
            case .s16:
                let count = remaining * channels
                if conversion16.count < count { conversion16 = [Int16](repeating: 0, count: count) }
                conversion16.withUnsafeMutableBufferPointer { out in
                    // Clamp, then round by adding 1.5 × 2^23: the sum's low 16 bits are the
                    // rounded sample in two's complement. No trapping conversion, so it vectorises.
                    for i in 0..<count {
                        let v = max(-32767, min(32767, source[i] * 32767)) + 12_582_912
                        out[i] = Int16(truncatingIfNeeded: v.bitPattern)
                    }
                }
                n = conversion16.withUnsafeBufferPointer { snd_pcm_writei(pcm, $0.baseAddress, snd_pcm_uframes_t(remaining)) }
            }
            if n < 0 {
                try recover(pcm, Int32(n), call: "snd_pcm_writei")
                continue
            }
            offset += n
        }
        if let meter, let format { meter.add(samples, frames: frames, rate: format.rate, channels: channels) }
    }

    /// Recovers from an underrun, a suspend or an interrupted call (counting it), or throws.
    private func recover(_ pcm: OpaquePointer, _ code: Int32, call: String) throws(AudioError) {
        if [-ENODEV, -EBADFD, -EIO, -ENOTCONN, -ECONNRESET, -ENXIO, -ESHUTDOWN].contains(code)
            || snd_pcm_state(pcm) == SND_PCM_STATE_DISCONNECTED {
            throw .deviceLost(device: device, reason: alsaReason(code))
        }
        guard [-EPIPE, -ESTRPIPE, -EINTR].contains(code) else {
            throw .write(device: device, call: call, reason: alsaReason(code))
        }
        xruns += 1
        let r = snd_pcm_recover(pcm, code, 1)
        if r < 0 {
            if snd_pcm_state(pcm) == SND_PCM_STATE_DISCONNECTED || r == -ENODEV {
                throw .deviceLost(device: device, reason: alsaReason(r))
            }
            throw .write(device: device, call: "snd_pcm_recover", reason: alsaReason(r))
        }
    }

    /// The frames `write` keeps queued while it plays (`queuedPeriods` periods).
    public var queueTarget: Int { min(bufferFrames, periodFrames * Self.queuedPeriods) }

    /// Frames written but not yet played.
    public var queuedFrames: Int {
        guard let pcm else { return 0 }
        var delay: snd_pcm_sframes_t = 0
        return snd_pcm_delay(pcm, &delay) < 0 ? 0 : max(0, Int(delay))
    }

    /// Plays what is queued unless `cancel` is raised first (then drops it at once and returns
    /// false), then stops the stream (the PCM stays open). A sound server may hold seconds of
    /// audio, so that a stop must not wait for a blocking drain.
    public func drain(cancel: CancelToken) throws(AudioError) -> Bool {
        guard let pcm, let format else { return true }
        if snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED, queuedFrames > 0 { snd_pcm_start(pcm) }
        // Some PCMs report a residual delay that never plays out (a rate converter's history):
        // past the time the queue needs, ALSA's own drain finishes the job.
        let limit = Self.monotonic() + Double(queuedFrames) / Double(format.rate) + 0.25
        while snd_pcm_state(pcm) == SND_PCM_STATE_RUNNING, Self.monotonic() < limit {
            let queued = queuedFrames
            if queued <= 0 { break }
            if cancel.isCancelled {
                drop()
                return false
            }
            // Wake at most every 10 ms to look at the token; less when little is left.
            usleep(UInt32(min(10_000, max(1_000, queued * 1_000_000 / max(1, format.rate)))))
        }
        try drain()
        return true
    }

    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Plays what is queued, then stops the stream (the PCM stays open).
    public func drain() throws(AudioError) {
        guard let pcm else { return }
        // A stream shorter than the start threshold never started: start it so that it plays.
        if snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED, queuedFrames > 0 { snd_pcm_start(pcm) }
        let r = snd_pcm_drain(pcm)
        if r < 0, r != -EPIPE {
            if r == -ENODEV || snd_pcm_state(pcm) == SND_PCM_STATE_DISCONNECTED {
                throw .deviceLost(device: device, reason: alsaReason(r))
            }
        }
        snd_pcm_prepare(pcm)
    }

    /// Lets what is queued play for at most `limit` seconds, then discards the rest: the end of a
    /// stop, bounded even on PCMs (PulseAudio's) that buffer far more than the queue we keep.
    public func drain(limit: Double) {
        guard let pcm, let format else { return }
        // More queued than the limit (a sound server's buffer): the fade at its end would not be
        // heard in time anyway, so stop now.
        if Double(queuedFrames) / Double(format.rate) > limit {
            drop()
            return
        }
        if snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED, queuedFrames > 0 { snd_pcm_start(pcm) }
        let end = Self.monotonic() + limit
        while queuedFrames > 0, snd_pcm_state(pcm) == SND_PCM_STATE_RUNNING, Self.monotonic() < end {
            usleep(5_000)
        }
        drop()
    }

    /// The longest a stop may take to fall silent: the queue we keep, the fade, and a period.
    public var stopLimit: Double {
        guard let format else { return 0 }
        return Double(periodFrames * (Self.queuedPeriods + 1)) / Double(format.rate) + 0.030
    }

    /// Discards what is queued at once.
    public func drop() {
        guard let pcm else { return }
        snd_pcm_drop(pcm)
        snd_pcm_prepare(pcm)
    }

    public func close() {
        if let pcm { snd_pcm_close(pcm) }
        pcm = nil
        format = nil
    }
}

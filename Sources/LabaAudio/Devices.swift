// The PCM names ALSA offers for `device:`, from its device hints, and what a device takes.

import CALSA

/// One PCM name ALSA knows.
public struct PCMHint: Hashable, Sendable {
    public var name: String
    /// ALSA's description, lines joined.
    public var description: String
    /// "Output", "Input", or "" for both.
    public var direction: String
}

public enum Devices {
    /// Every PCM that can play: the cards' hw/plughw/default names and the configured plugins.
    public static func playbackPCMs() -> [PCMHint] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) == 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        func field(_ hint: UnsafeMutableRawPointer, _ key: String) -> String? {
            guard let value = snd_device_name_get_hint(hint, key) else { return nil }
            defer { free(value) }
            return String(cString: value)
        }
        var out: [PCMHint] = []
        var i = 0
        while let hint = hints[i] {
            i += 1
            guard let name = field(hint, "NAME") else { continue }
            let direction = field(hint, "IOID") ?? ""
            if direction == "Input" { continue }
            let description = (field(hint, "DESC") ?? "").split(separator: "\n").joined(separator: " — ")
            out.append(PCMHint(name: name, description: description, direction: direction))
        }
        return out
    }
}

extension Devices {
    /// The channel count of the device under a PCM's plug layer: what a program should be mixed
    /// to so that the plug layer has nothing to convert. nil when it cannot be found out (the
    /// device is busy or missing, or the PCM converts anything to anything).
    ///
    /// Plug layers are looked through in ALSA's configuration (`plughw:` → `hw:`, a `plug` over a
    /// `dshare` half → that half's bindings, a plug's `slave.channels` when fixed); what lies
    /// under them is opened without blocking and asked for its channel range, then closed.
    /// Blocking: briefly, as opening the device does.
    public static func channels(of pcm: String) -> Int? {
        var top: OpaquePointer?
        guard snd_config_update_ref(&top) >= 0, let top else { return nil }
        defer { snd_config_unref(top) }
        var definition: OpaquePointer?
        guard snd_config_search_definition(top, "pcm", pcm, &definition) >= 0, let definition else {
            return nil
        }
        defer { snd_config_delete(definition) }
        return channels(of: definition, named: pcm, in: top, depth: 0)
    }

    /// A PCM definition's device channels: through `plug`, else by opening it.
    private static func channels(of definition: OpaquePointer, named name: String?, in top: OpaquePointer,
                                 depth: Int) -> Int? {
        guard depth < 8 else { return nil }
        guard string(definition, "type") == "plug" else { return openedChannels(definition, named: name, in: top) }
        var slave: OpaquePointer?
        guard snd_config_search(definition, "slave", &slave) >= 0, let slave else { return nil }
        // `slave NAME` names a pcm_slave definition; `slave { pcm ... channels N }` is one inline.
        var owned: OpaquePointer?
        defer { if let owned { snd_config_delete(owned) } }
        var slaveDefinition = slave
        if let slaveName = string(slave, nil) {
            guard snd_config_search_definition(top, "pcm_slave", slaveName, &owned) >= 0, let owned else { return nil }
            slaveDefinition = owned
        }
        if let fixed = integer(slaveDefinition, "channels"), fixed > 0 { return fixed }
        var pcm: OpaquePointer?
        guard snd_config_search(slaveDefinition, "pcm", &pcm) >= 0, let pcm else { return nil }
        if let pcmName = string(pcm, nil) {
            var named: OpaquePointer?
            guard snd_config_search_definition(top, "pcm", pcmName, &named) >= 0, let named else { return nil }
            defer { snd_config_delete(named) }
            return channels(of: named, named: pcmName, in: top, depth: depth + 1)
        }
        return channels(of: pcm, named: nil, in: top, depth: depth + 1)
    }

    /// Opens a PCM (by name, or an inline definition added to a copy of the configuration) and
    /// reads its channel range: a single count, else 2 when the range has it, else the least.
    private static func openedChannels(_ definition: OpaquePointer, named name: String?, in top: OpaquePointer) -> Int? {
        var handle: OpaquePointer?
        let mode = Int32(SND_PCM_NONBLOCK)
        if let name {
            guard snd_pcm_open(&handle, name, SND_PCM_STREAM_PLAYBACK, mode) >= 0 else { return nil }
        } else {
            var copy: OpaquePointer?
            guard snd_config_copy(&copy, top) >= 0, let copy else { return nil }
            defer { snd_config_delete(copy) }
            var pcms: OpaquePointer?, inline: OpaquePointer?
            guard snd_config_search(copy, "pcm", &pcms) >= 0, let pcms,
                  snd_config_copy(&inline, definition) >= 0, let inline else { return nil }
            snd_config_set_id(inline, "__laba_probe")
            guard snd_config_add(pcms, inline) >= 0 else {
                snd_config_delete(inline)
                return nil
            }
            guard snd_pcm_open_lconf(&handle, "__laba_probe", SND_PCM_STREAM_PLAYBACK, mode, copy) >= 0 else { return nil }
        }
        guard let handle else { return nil }
        defer { snd_pcm_close(handle) }
        var hw: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&hw) >= 0, let hw else { return nil }
        defer { snd_pcm_hw_params_free(hw) }
        guard snd_pcm_hw_params_any(handle, hw) >= 0 else { return nil }
        var least: UInt32 = 0, most: UInt32 = 0
        guard snd_pcm_hw_params_get_channels_min(hw, &least) >= 0, snd_pcm_hw_params_get_channels_max(hw, &most) >= 0,
              least > 0, most >= least else { return nil }
        if least == most { return Int(least) }
        return (least...most).contains(2) ? 2 : Int(least)
    }

    /// A string value at `key` of `node` (nil: the node's own).
    private static func string(_ node: OpaquePointer, _ key: String?) -> String? {
        var found: OpaquePointer? = node
        if let key, snd_config_search(node, key, &found) < 0 { return nil }
        guard let found, snd_config_get_type(found) == SND_CONFIG_TYPE_STRING else { return nil }
        var value: UnsafePointer<CChar>?
        guard snd_config_get_string(found, &value) >= 0, let value else { return nil }
        return String(cString: value)
    }

    private static func integer(_ node: OpaquePointer, _ key: String) -> Int? {
        var found: OpaquePointer?
        guard snd_config_search(node, key, &found) >= 0, let found else { return nil }
        var value = 0
        guard snd_config_get_integer(found, &value) >= 0 else { return nil }
        return value
    }
}

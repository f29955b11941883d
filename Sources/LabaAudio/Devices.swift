// The PCM names ALSA offers for `device:`, from its device hints.

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

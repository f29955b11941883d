// What phones and messaging apps record (`.m4a`, `.aac`, `.amr`, WeChat's `.silk`), told by the
// file's first bytes, never by its name: such a recording is converted at intake (by ffmpeg, a
// child process), and playback never parses these formats.

import Foundation

public enum PhoneFormat: String, Sendable, CaseIterable {
    /// MPEG-4 audio (`ftyp` box): `.m4a`, `.mp4`, `.3gp`.
    case m4a
    /// AAC in ADTS frames: `.aac`.
    case aac
    /// AMR narrow band (`#!AMR\n`).
    case amr
    /// AMR wide band (`#!AMR-WB\n`).
    case amrWB = "amr-wb"
    /// WeChat's voice messages (`#!SILK_V3`, after a 0x02 byte in WeChat's files): not converted;
    /// the clerk is told what to do instead.
    case silk

    /// ffmpeg's demuxer for it: the input's format is named, never probed.
    public var demuxer: String? {
        switch self {
        case .m4a: "mov"
        case .aac: "aac"
        case .amr, .amrWB: "amr"
        case .silk: nil
        }
    }

    /// The format of a file that starts with `head` (its first bytes, 16 are enough), or nil.
    public static func sniff(_ head: some Collection<UInt8>) -> PhoneFormat? {
        let bytes = Array(head.prefix(16))
        func starts(_ text: String, at offset: Int = 0) -> Bool {
            let magic = Array(text.utf8)
            return bytes.count >= offset + magic.count && Array(bytes[offset..<offset + magic.count]) == magic
        }
        if starts("#!AMR-WB\n") { return .amrWB }
        if starts("#!AMR\n") { return .amr }
        if starts("#!SILK") || (bytes.first == 0x02 && starts("#!SILK", at: 1)) { return .silk }
        if starts("ftyp", at: 4) { return .m4a }
        // ADTS: a 12-bit sync word, then layer 00 (MPEG audio, which libsndfile reads, has a
        // non-zero layer).
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] & 0xF6 == 0xF0 { return .aac }
        return nil
    }
}

/// An MPEG-4 file whose `moov` box (the index) follows its `mdat` (the samples), as many phones
/// write it, cannot be read from a pipe: ffmpeg would have to seek back. `fastStart` moves `moov`
/// before the first `mdat` and shifts the sample offsets it holds (`stco`, `co64`), as ffmpeg's
/// `qt-faststart` does; a file already in that order, or one it does not understand, is returned
/// as it is (ffmpeg then says what is wrong with it).
public enum MP4Layout {
    /// A box of the file: its four-letter type, where it starts, its size and its header's.
    public struct Box: Sendable {
        public var type: String
        public var start: Int
        public var size: Int
        public var header: Int
    }

    /// The boxes in `range` of `data`, one after another; nil when they do not fill it exactly.
    public static func boxes(_ data: [UInt8], in range: Range<Int>) -> [Box]? {
        var out: [Box] = []
        var i = range.lowerBound
        while i < range.upperBound {
            guard range.upperBound - i >= 8 else { return nil }
            var size = Int(be32(data, i))
            var header = 8
            if size == 1 {
                guard range.upperBound - i >= 16 else { return nil }
                size = Int(be64(data, i + 8))
                header = 16
            } else if size == 0 {
                size = range.upperBound - i
            }
            guard size >= header, i + size <= range.upperBound else { return nil }
            let type = String(decoding: data[i + 4..<i + 8], as: UTF8.self)
            out.append(Box(type: type, start: i, size: size, header: header))
            i += size
        }
        return out
    }

    static func be32(_ d: [UInt8], _ i: Int) -> UInt32 {
        UInt32(d[i]) << 24 | UInt32(d[i + 1]) << 16 | UInt32(d[i + 2]) << 8 | UInt32(d[i + 3])
    }

    static func be64(_ d: [UInt8], _ i: Int) -> UInt64 { UInt64(be32(d, i)) << 32 | UInt64(be32(d, i + 4)) }

    public static func fastStart(_ input: [UInt8]) -> [UInt8] {
        guard let top = boxes(input, in: 0..<input.count),
              let moovIndex = top.firstIndex(where: { $0.type == "moov" }),
              let mdatIndex = top.firstIndex(where: { $0.type == "mdat" }), mdatIndex < moovIndex else { return input }
        let moov = top[moovIndex]
        var moved = Array(input[moov.start..<moov.start + moov.size])
        let shift = moov.size
        // Walk the containers down to the chunk offset tables.
        let containers: Set<String> = ["moov", "trak", "mdia", "minf", "stbl"]
        func patch(_ range: Range<Int>) -> Bool {
            guard let children = boxes(moved, in: range) else { return false }
            for box in children {
                let body = box.start + box.header
                if containers.contains(box.type) {
                    guard patch(body..<box.start + box.size) else { return false }
                } else if box.type == "stco" || box.type == "co64" {
                    guard box.size >= box.header + 8 else { return false }
                    let count = Int(be32(moved, body + 4))
                    let width = box.type == "stco" ? 4 : 8
                    guard body + 8 + count * width <= box.start + box.size else { return false }
                    for n in 0..<count {
                        let at = body + 8 + n * width
                        if width == 4 {
                            let value = UInt64(be32(moved, at)) + UInt64(shift)
                            guard value <= UInt64(UInt32.max) else { return false }
                            for k in 0..<4 { moved[at + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt64(k))) }
                        } else {
                            let value = be64(moved, at) + UInt64(shift)
                            for k in 0..<8 { moved[at + k] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(k))) }
                        }
                    }
                }
            }
            return true
        }
        guard patch(moov.header..<moov.size) else { return input }
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        let firstMdat = top[mdatIndex]
        out += input[0..<firstMdat.start]
        out += moved
        for box in top[mdatIndex...] where box.start != moov.start {
            out += input[box.start..<box.start + box.size]
        }
        return out
    }
}

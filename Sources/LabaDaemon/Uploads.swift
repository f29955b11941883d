// `POST /v1/broadcasts/audio`: a recording sent in the request body, kept under the state dir,
// checked with libsndfile, measured for loudness and broadcast like a manual message.

import Foundation
import Hummingbird
import LabaAudio
import LabaControl
import LabaCore
import LabaStore
import NIOCore
import NIOPosix

public enum Uploads {
    public static let maxBody = 64 * 1024 * 1024

    /// The broadcast request an upload's query string describes:
    /// `zones=a,b` or `all=true`, `&priority=&languages=&repeat=&loop=&force=&within=&name=`. Its
    /// recording's path is filled in once the body is stored.
    static func request(_ query: Query) throws(APIFailure) -> AdmissionRequest {
        func list(_ key: String) -> [String]? {
            query[key].map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        func flag(_ key: String) throws(APIFailure) -> Bool? { try query.flag(key) }
        let all = try flag("all")
        let target: AdmissionRequest.Target
        do { target = try Rules.target(zones: list("zones"), all: all) } catch { throw APIFailure(error) }
        var repeatCount = 1
        if let text = query["repeat"] {
            guard let n = Int(text) else { throw APIFailure(.badRequest, "repeat must be a number, not '\(text)'") }
            repeatCount = n
        }
        var within: TimeSpan?
        if let text = query["within"] {
            do { within = try TimeSpan(parsing: text) } catch {
                throw APIFailure(.badRequest, "within: invalid time span '\(text)': \(error)")
            }
        }
        let asked: Priority? = try query.name("priority")
        let priority: Priority
        do { priority = try Rules.requestedPriority(asked) } catch { throw APIFailure(error) }
        let name = query["name"] ?? "upload"
        guard !name.isEmpty, name.count <= 200, !name.contains("/"), !name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw APIFailure(.badRequest, "name must be 1 to 200 characters, without '/' or control characters")
        }
        // Bidirectional controls make a name read differently from what it is (U+202E turns
        // "gpj.exe" around); a record must show what was played.
        if name.unicodeScalars.contains(where: { (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value)
            || $0.value == 0x200E || $0.value == 0x200F || $0.value == 0x061C }) {
            throw APIFailure(.badRequest, "name must not contain bidirectional control characters (such as U+202E)")
        }
        return AdmissionRequest(content: .recording(path: "", name: name), target: target, languages: list("languages"),
                                priority: priority, repeatCount: repeatCount,
                                loop: try flag("loop") ?? false, within: within, force: try flag("force") ?? false)
    }

    /// Streams the body into a new file under `directory`, refusing more than `maxBody` bytes.
    /// Returns the file's path; removes it on any failure.
    public static func receive(_ request: Request, into directory: String) async throws -> String {
        try await receive(request.body, contentLength: request.headers[.contentLength].flatMap(Int.init), into: directory)
    }

    /// The same for any body of buffers (the console's recordings come through its door).
    public static func receive<Body: AsyncSequence>(_ body: Body, contentLength: Int?, into directory: String) async throws -> String
        where Body.Element == ByteBuffer {
        if let length = contentLength, length > maxBody {
            throw APIFailure(.tooLarge, "the recording is larger than \(maxBody / 1024 / 1024) MiB")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw APIFailure(.storageFull, "cannot create \(directory): \(error.localizedDescription)")
        }
        let path = (directory as NSString).appendingPathComponent(".receiving-\(UInt64.random(in: 0...UInt64.max))")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw APIFailure(.storageFull, "cannot store the recording: \(String(cString: strerror(errno)))") }
        var kept = false
        defer {
            close(fd)
            if !kept { unlink(path) }
        }
        var total = 0
        for try await buffer in body {
            total += buffer.readableBytes
            guard total <= maxBody else {
                throw APIFailure(.tooLarge, "the recording is larger than \(maxBody / 1024 / 1024) MiB")
            }
            try buffer.withUnsafeReadableBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        let reason = String(cString: strerror(errno))
                        throw APIFailure(errno == ENOSPC || errno == EFBIG || errno == EDQUOT ? .storageFull : .internalError,
                                         "cannot store the recording: \(reason)")
                    }
                    offset += n
                }
            }
        }
        guard total > 0 else { throw APIFailure(.notAudio, "the body is empty: send the recording's bytes") }
        guard fsync(fd) == 0 else {
            throw APIFailure(.storageFull, "cannot store the recording: \(String(cString: strerror(errno)))")
        }
        kept = true
        return path
    }

    /// Checks the received file's header (audio libsndfile reads, at most `maxDuration` long) and
    /// gives it its final name (`<stamp>-<random>.<format>`). Its loudness is measured when it
    /// plays, off the request path; a file that fails then is recorded as failed, never played.
    /// Errors name the upload as the sender did (`name`), never the file under the state dir.
    /// Blocking: call it off the event loop.
    static func admit(_ received: String, name: String, maxDuration: TimeSpan, now: Instant) throws(APIFailure) -> String {
        // A phone's recording (m4a, aac, amr) becomes FLAC first; WeChat's .silk is refused with what to do.
        let path: String
        do {
            let converted = try PhoneConverter(maxDuration: maxDuration).intake(received, name: name)
            if converted.from != nil { unlink(received) }
            path = converted.path
        } catch {
            unlink(received)
            throw error
        }
        func refuse(_ code: APIErrorCode, _ reason: String) -> APIFailure {
            unlink(path)
            return APIFailure(code, reason.replacingOccurrences(of: path, with: "'\(name)'"))
        }
        let format: AudioFormat
        switch SndFileProbe().probe(path: path) {
        case .success(let f): format = f
        case .failure(let failure):
            unlink(path)
            throw APIFailure(Refusal(.notAudio, ["name": name, "detail": failure.reason.replacingOccurrences(of: path, with: "'\(name)'"),
                                                 "problem": failure.problem ?? ""]))
        }
        guard format.frames > 0 else {
            unlink(path)
            throw APIFailure(Refusal(.notAudio, ["name": name, "detail": "it holds no sound", "problem": "empty"]))
        }
        guard format.duration <= maxDuration.seconds else {
            unlink(path)
            throw APIFailure(Refusal(.tooLong, ["name": name, "duration": "\(TimeSpan(microseconds: Int64(format.duration * 1e6)).rounded)",
                                                "limit": "\(maxDuration)"]))
        }
        let ext = format.format.split(separator: " ").first.map { $0.lowercased() } ?? "audio"
        let final = ((path as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("\(now.seconds)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).\(ext)")
        guard rename(path, final) == 0 else {
            throw refuse(.internalError, "cannot keep the upload '\(name)': \(String(cString: strerror(errno)))")
        }
        return final
    }
}

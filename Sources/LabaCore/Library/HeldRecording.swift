// A fleet recording a unit keeps, as its status tells the commander and the API tells `laba`.

/// A fleet recording a unit keeps: whose (the signing key's id), which message and language, and
/// which version (its `issued_at` in milliseconds).
public struct HeldRecording: Codable, Sendable, Equatable, Hashable {
    public var key: String
    public var message: String
    public var language: String
    public var version: Int64

    public init(key: String, message: String, language: String, version: Int64) {
        self.key = key
        self.message = message
        self.language = language
        self.version = version
    }
}

// One-tap buttons (一键, issue 27): a broadcast an admin sets up once — a message, its zones, a
// priority — that operators start from the console's overview with one press. Pressing one asks
// the front door exactly as the broadcast page does; an emergency still asks for its confirmation.

import Foundation

public struct OneTapButton: Codable, Equatable, Sendable {
    public var id: String
    /// What the button says (`紧急疏散 → 本乡全部喇叭`).
    public var title: String
    public var message: String
    /// Nil: every zone.
    public var zones: [String]?
    public var priority: Priority
    public var repeatCount: Int
    public var createdBy: String
    public var createdAt: Int64

    public init(id: String, title: String, message: String, zones: [String]?, priority: Priority, repeatCount: Int = 1,
                createdBy: String, createdAt: Int64) {
        self.id = id
        self.title = title
        self.message = message
        self.zones = zones
        self.priority = priority
        self.repeatCount = repeatCount
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, title, message, zones, priority, repeatCount = "repeat_count", createdBy = "created_by", createdAt = "created_at"
    }

    /// As the store keeps it: the zones nil for every zone, else ids joined by commas (ids hold
    /// none); the priority by its name.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        message = try c.decode(String.self, forKey: .message)
        zones = try c.decodeIfPresent(String.self, forKey: .zones).map { $0.split(separator: ",").map(String.init) }
        let name = try c.decode(String.self, forKey: .priority)
        guard let priority = Priority(name: name) else {
            throw DecodingError.dataCorruptedError(forKey: .priority, in: c, debugDescription: "priority '\(name)'")
        }
        self.priority = priority
        repeatCount = try c.decode(Int.self, forKey: .repeatCount)
        createdBy = try c.decode(String.self, forKey: .createdBy)
        createdAt = try c.decode(Int64.self, forKey: .createdAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(message, forKey: .message)
        try c.encode(zones?.joined(separator: ","), forKey: .zones)
        try c.encode(priority.description, forKey: .priority)
        try c.encode(repeatCount, forKey: .repeatCount)
        try c.encode(createdBy, forKey: .createdBy)
        try c.encode(createdAt, forKey: .createdAt)
    }

    /// As many buttons as an overview can show.
    public static let limit = 24
}

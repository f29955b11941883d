// CAP 1.2 (OASIS Common Alerting Protocol): the XML read with FoundationXML's parser into a small
// element tree with positions, then checked against CAP 1.2's structure into typed values. Every
// error says where (line:column of the element) and what.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A CAP 1.2 alert, as far as Laba uses it.
public struct CAPAlert: Equatable, Sendable {
    public enum Status: String, Sendable, CaseIterable {
        case actual = "Actual", exercise = "Exercise", system = "System", test = "Test", draft = "Draft"
    }

    public enum MessageType: String, Sendable, CaseIterable {
        case alert = "Alert", update = "Update", cancel = "Cancel", ack = "Ack", error = "Error"
    }

    /// An earlier alert: `sender,identifier,sent` in `<references>`.
    public struct Reference: Equatable, Sendable {
        public var sender: String
        public var identifier: String
        public var sent: String
    }

    /// `<eventCode>` and `<geocode>`: a name and a value.
    public struct Code: Equatable, Sendable {
        public var valueName: String
        public var value: String
    }

    public struct Area: Equatable, Sendable {
        public var description: String
        public var polygons: [Ring]
        public var circles: [Circle]
        public var geocodes: [Code]
    }

    public struct Info: Equatable, Sendable {
        /// RFC 3066 tag; CAP's default is en-US.
        public var language: String
        public var event: String
        public var eventCodes: [Code]
        public var urgency: String
        public var severity: String
        public var certainty: String
        public var expires: Instant?
        public var headline: String?
        public var areas: [Area]
    }

    public var identifier: String
    public var sender: String
    /// As written (references quote it).
    public var sent: String
    public var sentInstant: Instant
    public var status: Status
    public var msgType: MessageType
    public var scope: String
    public var references: [Reference]
    public var infos: [Info]
}

/// Why an alert could not be read, with the place in the XML.
public struct CAPError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(line):\(column): \(message)" }
}

extension CAPAlert {
    public static let namespace = "urn:oasis:names:tc:emergency:cap:1.2"

    /// Reads and checks a CAP 1.2 document.
    ///
    /// - Throws: `CAPError` for XML that is not well formed, another root or namespace, a missing or
    ///   repeated element, a value outside CAP's lists, a time without its offset, a polygon that is
    ///   not closed, a position off the globe (CAP lists `lat,lon`).
    public init(xml: Data) throws(CAPError) {
        let root = try XMLTree.parse(xml)
        guard root.name == "alert" else {
            throw CAPError(line: root.line, column: root.column, message: "the root element is <\(root.name)>, not a CAP <alert>")
        }
        guard root.namespace == Self.namespace else {
            throw CAPError(line: root.line, column: root.column,
                           message: "<alert> is in namespace '\(root.namespace ?? "")', not CAP 1.2's '\(Self.namespace)'")
        }
        identifier = try root.text("identifier")
        sender = try root.text("sender")
        sent = try root.text("sent")
        sentInstant = try root.time("sent")!
        status = try root.choice("status")
        msgType = try root.choice("msgType")
        scope = try root.text("scope")
        guard ["Public", "Restricted", "Private"].contains(scope) else {
            let e = root.first("scope")!
            throw CAPError(line: e.line, column: e.column, message: "<scope> must be Public, Restricted or Private, not '\(scope)'")
        }
        for text in [identifier, sender] where text.contains(where: { $0 == "," || $0.isWhitespace }) {
            let e = root.first(text == identifier ? "identifier" : "sender")!
            throw CAPError(line: e.line, column: e.column, message: "<\(e.name)> must not contain spaces or commas")
        }
        references = []
        if let e = root.first("references") {
            for triple in e.text.split(whereSeparator: \.isWhitespace) {
                let parts = triple.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3 else {
                    throw CAPError(line: e.line, column: e.column,
                                   message: "<references> lists sender,identifier,sent triples; '\(triple)' is not one")
                }
                references.append(Reference(sender: parts[0], identifier: parts[1], sent: parts[2]))
            }
        }
        if [.update, .cancel].contains(msgType), references.isEmpty {
            let e = root.first("msgType")!
            throw CAPError(line: e.line, column: e.column, message: "an \(msgType.rawValue) needs <references> to the alerts it \(msgType == .update ? "updates" : "cancels")")
        }
        infos = try root.all("info").map(Self.info)
    }

    static func info(_ e: XMLTree) throws(CAPError) -> Info {
        guard !e.all("category").isEmpty else {
            throw CAPError(line: e.line, column: e.column, message: "<info> needs at least one <category>")
        }
        let categories = ["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"]
        for c in e.all("category") where !categories.contains(c.text) {
            throw CAPError(line: c.line, column: c.column, message: "<category> must be one of \(categories.joined(separator: ", ")), not '\(c.text)'")
        }
        func one(_ name: String, of values: [String]) throws(CAPError) -> String {
            let text = try e.text(name)
            guard values.contains(text) else {
                let x = e.first(name)!
                throw CAPError(line: x.line, column: x.column, message: "<\(name)> must be one of \(values.joined(separator: ", ")), not '\(text)'")
            }
            return text
        }
        var areas: [Area] = []
        for a in e.all("area") {
            var polygons: [Ring] = []
            for p in a.all("polygon") { polygons.append(try polygon(p)) }
            var circles: [Circle] = []
            for c in a.all("circle") { circles.append(try circle(c)) }
            areas.append(Area(description: try a.text("areaDesc"), polygons: polygons, circles: circles,
                              geocodes: try a.all("geocode").map(code)))
        }
        return Info(language: try e.optionalText("language") ?? "en-US", event: try e.text("event"),
                    eventCodes: try e.all("eventCode").map(code),
                    urgency: try one("urgency", of: ["Immediate", "Expected", "Future", "Past", "Unknown"]),
                    severity: try one("severity", of: ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]),
                    certainty: try one("certainty", of: ["Observed", "Likely", "Possible", "Unlikely", "Unknown", "Very Likely"]),
                    expires: try e.time("expires", required: false), headline: try e.optionalText("headline"), areas: areas)
    }

    static func code(_ e: XMLTree) throws(CAPError) -> Code {
        Code(valueName: try e.text("valueName"), value: try e.text("value"))
    }

    /// `lat,lon` in degrees; CAP's order, the reverse of GeoJSON's.
    static func point(_ text: Substring, in e: XMLTree) throws(CAPError) -> GeoPoint {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let lat = Double(parts[0]), let lon = Double(parts[1]), lat.isFinite, lon.isFinite else {
            throw CAPError(line: e.line, column: e.column, message: "<\(e.name)> positions are lat,lon pairs; '\(text)' is not one")
        }
        guard abs(lat) <= 90, abs(lon) <= 180 else {
            let swapped = abs(lon) <= 90 && abs(lat) <= 180
            throw CAPError(line: e.line, column: e.column,
                           message: "<\(e.name)> position '\(text)' is off the globe (latitude within ±90, longitude within ±180)"
                           + (swapped ? "; CAP lists lat,lon: these look swapped" : ""))
        }
        return GeoPoint(lat: lat, lon: lon)
    }

    /// At least four `lat,lon` pairs separated by spaces, the first and last equal.
    static func polygon(_ e: XMLTree) throws(CAPError) -> Ring {
        var points: [GeoPoint] = []
        for pair in e.text.split(whereSeparator: \.isWhitespace) { points.append(try point(pair, in: e)) }
        guard points.count >= 4 else {
            throw CAPError(line: e.line, column: e.column, message: "<polygon> needs at least 4 lat,lon pairs (the first repeated last), found \(points.count)")
        }
        guard points.first == points.last else {
            throw CAPError(line: e.line, column: e.column, message: "<polygon> is not closed: its last pair must repeat its first")
        }
        return Ring(points)
    }

    /// `lat,lon radius`, the radius in kilometres.
    static func circle(_ e: XMLTree) throws(CAPError) -> Circle {
        let parts = e.text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let radius = Double(parts[1]), radius >= 0, radius.isFinite else {
            throw CAPError(line: e.line, column: e.column, message: "<circle> is 'lat,lon radius' with the radius in km, not '\(e.text)'")
        }
        return Circle(center: try point(parts[0], in: e), radiusKm: radius)
    }
}

/// A parsed XML element: name, namespace, text and children, with the parser's position.
struct XMLTree {
    var name: String
    var namespace: String?
    var text: String
    var children: [XMLTree]
    var line: Int
    var column: Int

    func all(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }
    func first(_ name: String) -> XMLTree? { children.first { $0.name == name } }

    /// The text of a required element that appears once.
    func text(_ name: String) throws(CAPError) -> String {
        guard let value = try optionalText(name) else {
            throw CAPError(line: line, column: column, message: "<\(self.name)> needs <\(name)>")
        }
        return value
    }

    func optionalText(_ name: String) throws(CAPError) -> String? {
        let found = all(name)
        if found.count > 1 {
            throw CAPError(line: found[1].line, column: found[1].column, message: "<\(self.name)> has <\(name)> more than once")
        }
        guard let e = found.first else { return nil }
        guard !e.text.isEmpty else { throw CAPError(line: e.line, column: e.column, message: "<\(name)> is empty") }
        return e.text
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String) throws(CAPError) -> T where T.RawValue == String {
        let value = try text(name)
        guard let choice = T(rawValue: value) else {
            let e = first(name)!
            throw CAPError(line: e.line, column: e.column,
                           message: "<\(name)> must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'")
        }
        return choice
    }

    /// A CAP dateTime: `2026-12-02T10:00:00+08:00` (an offset is required).
    func time(_ name: String, required: Bool = true) throws(CAPError) -> Instant? {
        guard let text = required ? try self.text(name) : try optionalText(name) else { return nil }
        let e = first(name)!
        let hasOffset = text.count > 19 && (text.hasSuffix("Z") || text.dropFirst(19).contains { $0 == "+" || $0 == "-" })
        guard hasOffset, text.contains("T"),
              let instant = try? TimeParsing.instant(text, in: TimeZone(identifier: "UTC")!, now: Instant(microseconds: 0))
        else {
            throw CAPError(line: e.line, column: e.column, message: "<\(name)> must be a time with its offset such as "
                           + "2026-12-02T10:00:00+08:00, not '\(text)'")
        }
        return instant
    }

    /// Parses a document; external entities are never fetched.
    static func parse(_ data: Data) throws(CAPError) -> XMLTree {
        let builder = Builder(data)
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if let error = builder.error { throw error }
        guard ok, let root = builder.root else {
            throw CAPError(line: parser.lineNumber, column: parser.columnNumber,
                           message: "not well-formed XML" + (parser.parserError.map { ": \(Builder.describe($0))" } ?? ""))
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        /// The document's lines, to find where an element's tag starts (libxml2 reports where it ends).
        let lines: [ArraySlice<UInt8>]
        var stack: [XMLTree] = []
        var root: XMLTree?
        var error: CAPError?

        init(_ data: Data) {
            lines = Array(data).split(separator: 0x0A, omittingEmptySubsequences: false)
        }

        /// The column (in characters) of the `<` that opens the tag ending at libxml2's (byte) column.
        func tagStart(line: Int, column: Int) -> Int {
            guard line >= 1, line <= lines.count else { return column }
            let bytes = lines[line - 1]
            var i = bytes.startIndex + min(max(0, column - 1), bytes.count - 1)
            while i > bytes.startIndex, bytes[i] != UInt8(ascii: "<") { i -= 1 }
            guard bytes[i] == UInt8(ascii: "<") else { return column }
            return String(decoding: bytes[bytes.startIndex..<i], as: UTF8.self).unicodeScalars.count + 1
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            stack.append(XMLTree(name: elementName, namespace: namespaceURI, text: "", children: [],
                                 line: parser.lineNumber, column: tagStart(line: parser.lineNumber, column: parser.columnNumber)))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self) }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard var done = stack.popLast() else { return }
            done.text = done.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if stack.isEmpty { root = done } else { stack[stack.count - 1].children.append(done) }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
            if error == nil {
                error = CAPError(line: parser.lineNumber, column: parser.columnNumber,
                                 message: "not well-formed XML: \(Self.describe(parseError))")
            }
        }

        /// libxml2's error code in words (FoundationXML passes libxml2's own numbers).
        static func describe(_ error: Error) -> String {
            let code = (error as NSError).code
            let words: [Int: String] = [
                4: "the document is empty", 5: "the document ends too early, or goes on after its root element", 9: "a character XML does not allow",
                26: "an entity that is not declared", 34: "an attribute value not closed", 39: "an attribute without its value",
                41: "an attribute without its value", 64: "a name reserved for XML", 68: "a name is missing",
                73: "'>' is missing", 76: "the closing tag does not match the opening tag", 77: "a tag not finished",
                85: "the elements are not balanced", 86: "content after the root element",
            ]
            return words[code] ?? "libxml2 error \(code)"
        }
    }
}

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

/// Why an alert could not be read: where (line:column, the element) and what, as a problem code
/// and its arguments; readers put it in words from the catalogue (`Catalog.capProblem`).
public struct CAPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong; the raw value is the catalogue's code (`cap_` and the code, camel-cased).
    public enum Problem: String, Sendable, CaseIterable {
        // The XML itself (libxml2's errors, grouped as a reader understands them).
        case xmlEmpty = "xml_empty", xmlEndsEarly = "xml_ends_early", xmlBadCharacter = "xml_bad_character"
        case xmlEncoding = "xml_encoding", xmlEntity = "xml_entity", xmlAttribute = "xml_attribute"
        case xmlUnclosed = "xml_unclosed", xmlTagMismatch = "xml_tag_mismatch", xmlTagUnfinished = "xml_tag_unfinished"
        case xmlName = "xml_name", xmlNamespace = "xml_namespace", xmlOther = "xml_other"
        /// A `<!DOCTYPE ...>`: refused, never expanded (args: none).
        case doctype
        /// Larger than the daemon takes (args: `kib`).
        case tooLarge = "too_large"
        /// args: `root`.
        case notCAP = "not_cap"
        /// args: `namespace`, `expected`.
        case wrongNamespace = "wrong_namespace"
        /// args: `child` (the element inside `element` that is missing, repeated, unknown or out of place).
        case missing, repeated
        case unknownElement = "unknown_element"
        /// args: `child`, `after` (the element it follows and should precede).
        case outOfOrder = "out_of_order"
        case empty
        /// args: `value`, `allowed`.
        case notInList = "not_in_list"
        case spaceOrComma = "space_or_comma"
        /// args: `value`.
        case badReference = "bad_reference"
        case updateNeedsReferences = "update_needs_references", cancelNeedsReferences = "cancel_needs_references"
        /// args: `value`.
        case badPosition = "bad_position", offGlobe = "off_globe", offGlobeSwapped = "off_globe_swapped"
        /// args: `count`.
        case polygonTooShort = "polygon_too_short"
        case polygonNotClosed = "polygon_not_closed"
        /// args: `value`.
        case badCircle = "bad_circle", badTime = "bad_time"
    }

    public var line: Int
    public var column: Int
    /// The element it is about (for an XML error, the innermost element open there); nil before the root.
    public var element: String?
    public var problem: Problem
    public var args: [String: String]

    public init(line: Int, column: Int, element: String?, _ problem: Problem, _ args: [String: String] = [:]) {
        self.line = line
        self.column = column
        self.element = element
        self.problem = problem
        self.args = args
    }

    /// `LINE:COLUMN <element> code {args}`: for tests and debugging; people read the catalogue's words.
    public var description: String {
        "\(line):\(column) " + (element.map { "<\($0)> " } ?? "") + problem.rawValue
            + (args.isEmpty ? "" : " " + args.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
}

extension CAPAlert {
    public static let namespace = "urn:oasis:names:tc:emergency:cap:1.2"

    /// Reads and checks a CAP 1.2 document.
    ///
    /// - Throws: `CAPError` for XML that is not well formed, a DOCTYPE, another root or namespace,
    ///   elements out of CAP 1.2's order or not in it, a missing or repeated element, a value outside
    ///   CAP's lists, a time without its offset, a polygon that is not closed, a position off the
    ///   globe (CAP lists `lat,lon`).
    public init(xml: Data) throws(CAPError) {
        let root = try XMLTree.parse(xml)
        guard root.name == "alert" else {
            throw CAPError(line: root.line, column: root.column, element: root.name, .notCAP, ["root": root.name])
        }
        guard root.namespace == Self.namespace else {
            throw CAPError(line: root.line, column: root.column, element: "alert", .wrongNamespace,
                           ["namespace": root.namespace ?? "", "expected": Self.namespace])
        }
        try root.checkOrder(CAPSchema.alert, foreignAtEnd: CAPSchema.signatureNamespace)
        identifier = try root.text("identifier")
        sender = try root.text("sender")
        sent = try root.text("sent")
        sentInstant = try root.time("sent")!
        status = try root.choice("status")
        msgType = try root.choice("msgType")
        scope = try root.text("scope")
        let scopes = ["Public", "Restricted", "Private"]
        guard scopes.contains(scope) else {
            let e = root.first("scope")!
            throw CAPError(line: e.line, column: e.column, element: "scope", .notInList,
                           ["value": scope, "allowed": scopes.joined(separator: ", ")])
        }
        for text in [identifier, sender] where text.contains(where: { $0 == "," || $0.isWhitespace }) {
            let e = root.first(text == identifier ? "identifier" : "sender")!
            throw CAPError(line: e.line, column: e.column, element: e.name, .spaceOrComma)
        }
        references = []
        if let e = root.first("references") {
            for triple in e.text.split(whereSeparator: \.isWhitespace) {
                let parts = triple.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3 else {
                    throw CAPError(line: e.line, column: e.column, element: "references", .badReference, ["value": String(triple)])
                }
                references.append(Reference(sender: parts[0], identifier: parts[1], sent: parts[2]))
            }
        }
        if [.update, .cancel].contains(msgType), references.isEmpty {
            let e = root.first("msgType")!
            throw CAPError(line: e.line, column: e.column, element: "msgType",
                           msgType == .update ? .updateNeedsReferences : .cancelNeedsReferences)
        }
        infos = try root.all("info").map(Self.info)
    }

    static func info(_ e: XMLTree) throws(CAPError) -> Info {
        try e.checkOrder(CAPSchema.info)
        guard !e.all("category").isEmpty else {
            throw CAPError(line: e.line, column: e.column, element: "info", .missing, ["child": "category"])
        }
        let categories = ["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"]
        for c in e.all("category") where !categories.contains(c.text) {
            throw CAPError(line: c.line, column: c.column, element: "category", .notInList,
                           ["value": c.text, "allowed": categories.joined(separator: ", ")])
        }
        func one(_ name: String, of values: [String]) throws(CAPError) -> String {
            let text = try e.text(name)
            guard values.contains(text) else {
                let x = e.first(name)!
                throw CAPError(line: x.line, column: x.column, element: name, .notInList,
                               ["value": text, "allowed": values.joined(separator: ", ")])
            }
            return text
        }
        for pair in e.all("parameter") { try pair.checkOrder(CAPSchema.pair) }
        for resource in e.all("resource") { try resource.checkOrder(CAPSchema.resource) }
        var areas: [Area] = []
        for a in e.all("area") {
            try a.checkOrder(CAPSchema.area)
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
        try e.checkOrder(CAPSchema.pair)
        return Code(valueName: try e.text("valueName"), value: try e.text("value"))
    }

    /// `lat,lon` in degrees; CAP's order, the reverse of GeoJSON's.
    static func point(_ text: Substring, in e: XMLTree) throws(CAPError) -> GeoPoint {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let lat = Double(parts[0]), let lon = Double(parts[1]), lat.isFinite, lon.isFinite else {
            throw CAPError(line: e.line, column: e.column, element: e.name, .badPosition, ["value": String(text)])
        }
        guard abs(lat) <= 90, abs(lon) <= 180 else {
            let swapped = abs(lon) <= 90 && abs(lat) <= 180
            throw CAPError(line: e.line, column: e.column, element: e.name, swapped ? .offGlobeSwapped : .offGlobe, ["value": String(text)])
        }
        return GeoPoint(lat: lat, lon: lon)
    }

    /// At least four `lat,lon` pairs separated by spaces, the first and last equal.
    static func polygon(_ e: XMLTree) throws(CAPError) -> Ring {
        var points: [GeoPoint] = []
        for pair in e.text.split(whereSeparator: \.isWhitespace) { points.append(try point(pair, in: e)) }
        guard points.count >= 4 else {
            throw CAPError(line: e.line, column: e.column, element: "polygon", .polygonTooShort, ["count": String(points.count)])
        }
        guard points.first == points.last else {
            throw CAPError(line: e.line, column: e.column, element: "polygon", .polygonNotClosed)
        }
        return Ring(points)
    }

    /// `lat,lon radius`, the radius in kilometres.
    static func circle(_ e: XMLTree) throws(CAPError) -> Circle {
        let parts = e.text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let radius = Double(parts[1]), radius >= 0, radius.isFinite else {
            throw CAPError(line: e.line, column: e.column, element: "circle", .badCircle, ["value": e.text])
        }
        return Circle(center: try point(parts[0], in: e), radiusKm: radius)
    }
}

/// CAP 1.2's XML schema (OASIS CAP-v1.2.xsd) as far as order goes: each element's children in the
/// order the schema's sequences give, and whether one may repeat.
enum CAPSchema {
    typealias Slot = (name: String, repeats: Bool)

    static let alert: [Slot] = [
        ("identifier", false), ("sender", false), ("sent", false), ("status", false), ("msgType", false), ("source", false),
        ("scope", false), ("restriction", false), ("addresses", false), ("code", true), ("note", false), ("references", false),
        ("incidents", false), ("info", true),
    ]
    static let info: [Slot] = [
        ("language", false), ("category", true), ("event", false), ("responseType", true), ("urgency", false),
        ("severity", false), ("certainty", false), ("audience", false), ("eventCode", true), ("effective", false),
        ("onset", false), ("expires", false), ("senderName", false), ("headline", false), ("description", false),
        ("instruction", false), ("web", false), ("contact", false), ("parameter", true), ("resource", true), ("area", true),
    ]
    static let area: [Slot] = [
        ("areaDesc", false), ("polygon", true), ("circle", true), ("geocode", true), ("altitude", false), ("ceiling", false),
    ]
    static let resource: [Slot] = [
        ("resourceDesc", false), ("mimeType", false), ("size", false), ("uri", false), ("derefUri", false), ("digest", false),
    ]
    /// `<eventCode>`, `<parameter>`, `<geocode>`.
    static let pair: [Slot] = [("valueName", false), ("value", false)]
    /// The schema lets an XML signature follow the `<info>`s of an `<alert>`, and nothing else in.
    static let signatureNamespace = "http://www.w3.org/2000/09/xmldsig#"
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

    /// Checks that the children are CAP elements in the schema's order, and that one that may
    /// not repeat does not.
    ///
    /// - Parameter foreignAtEnd: a namespace whose elements may follow the CAP ones (the signature's).
    /// - Throws: `CAPError` naming the first child out of place.
    func checkOrder(_ slots: [CAPSchema.Slot], foreignAtEnd: String? = nil) throws(CAPError) {
        var last: Int?
        var foreign: XMLTree?
        for child in children {
            if child.namespace != CAPAlert.namespace {
                guard let foreignAtEnd, child.namespace == foreignAtEnd else {
                    throw CAPError(line: child.line, column: child.column, element: name, .unknownElement, ["child": child.name])
                }
                foreign = child
                continue
            }
            guard let index = slots.firstIndex(where: { $0.name == child.name }) else {
                throw CAPError(line: child.line, column: child.column, element: name, .unknownElement, ["child": child.name])
            }
            if let foreign {
                throw CAPError(line: child.line, column: child.column, element: name, .outOfOrder, ["child": child.name, "after": foreign.name])
            }
            if let last, index < last {
                throw CAPError(line: child.line, column: child.column, element: name, .outOfOrder,
                               ["child": child.name, "after": slots[last].name])
            }
            if index == last, !slots[index].repeats {
                throw CAPError(line: child.line, column: child.column, element: name, .repeated, ["child": child.name])
            }
            last = index
        }
    }

    /// The text of a required element that appears once.
    func text(_ name: String) throws(CAPError) -> String {
        guard let value = try optionalText(name) else {
            throw CAPError(line: line, column: column, element: self.name, .missing, ["child": name])
        }
        return value
    }

    func optionalText(_ name: String) throws(CAPError) -> String? {
        let found = all(name)
        if found.count > 1 {
            throw CAPError(line: found[1].line, column: found[1].column, element: self.name, .repeated, ["child": name])
        }
        guard let e = found.first else { return nil }
        guard !e.text.isEmpty else { throw CAPError(line: e.line, column: e.column, element: name, .empty) }
        return e.text
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String) throws(CAPError) -> T where T.RawValue == String {
        let value = try text(name)
        guard let choice = T(rawValue: value) else {
            let e = first(name)!
            throw CAPError(line: e.line, column: e.column, element: name, .notInList,
                           ["value": value, "allowed": T.allCases.map(\.rawValue).joined(separator: ", ")])
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
            throw CAPError(line: e.line, column: e.column, element: name, .badTime, ["value": text])
        }
        return instant
    }

    /// Parses a document; a DOCTYPE is refused before anything is parsed, so that no entity it
    /// declares is expanded and no reference to one vanishes; external entities are never fetched.
    static func parse(_ data: Data) throws(CAPError) -> XMLTree {
        if let (line, column) = Prolog.doctype(in: data) {
            throw CAPError(line: line, column: column, element: nil, .doctype)
        }
        let builder = Builder(data)
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if let error = builder.error { throw error }
        guard ok, let root = builder.root else {
            throw CAPError(line: parser.lineNumber, column: parser.columnNumber, element: nil,
                           parser.parserError.map { Builder.problem($0) } ?? .xmlOther)
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
            guard !bytes.isEmpty else { return column }
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
                error = CAPError(line: parser.lineNumber, column: parser.columnNumber, element: stack.last?.name, Self.problem(parseError))
            }
        }

        // A declaration can only come from a DOCTYPE that the prolog's check did not see (an
        // encoding it does not read): refused all the same.
        func refuseDeclaration(_ parser: XMLParser) {
            if error == nil { error = CAPError(line: parser.lineNumber, column: parser.columnNumber, element: nil, .doctype) }
        }

        func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) {
            refuseDeclaration(parser)
        }

        func parser(_ parser: XMLParser, foundAttributeDeclarationWithName attributeName: String, forElement elementName: String,
                    type: String?, defaultValue: String?) {
            refuseDeclaration(parser)
        }

        func parser(_ parser: XMLParser, foundNotationDeclarationWithName name: String, publicID: String?, systemID: String?) {
            refuseDeclaration(parser)
        }

        func parser(_ parser: XMLParser, foundUnparsedEntityDeclarationWithName name: String, publicID: String?, systemID: String?,
                    notationName: String?) {
            refuseDeclaration(parser)
        }

        /// An entity no DOCTYPE declared: never silently dropped.
        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
            if error == nil {
                error = CAPError(line: parser.lineNumber, column: parser.columnNumber, element: stack.last?.name, .xmlEntity)
            }
            return nil
        }

        /// libxml2's error code (FoundationXML passes libxml2's own numbers, `xmlParserErrors`) as
        /// a problem a reader understands.
        static func problem(_ error: Error) -> CAPError.Problem {
            switch (error as NSError).code {
            case 4: .xmlEmpty
            case 5, 85, 86: .xmlEndsEarly
            case 6, 7, 8, 9, 10, 11, 12, 13: .xmlBadCharacter
            case 31, 32, 79, 81, 101: .xmlEncoding
            case 14...30, 82, 87...90, 104: .xmlEntity
            case 34, 38, 39, 40, 41, 42, 43, 44, 75: .xmlAttribute
            case 45, 46, 47, 62, 63, 80: .xmlUnclosed
            case 76: .xmlTagMismatch
            case 73, 74, 77: .xmlTagUnfinished
            case 64, 68, 110: .xmlName
            case 200...205: .xmlNamespace
            default: .xmlOther
            }
        }
    }
}

/// The document's prolog (before its root element), read only to find a DOCTYPE, in the encodings
/// whose `<` is not one ASCII byte (UTF-16 and UTF-32) as well as in those whose `<` is.
enum Prolog {
    /// The line and column (1-based, in characters) of a `<!DOCTYPE` before the root element.
    static func doctype(in data: Data) -> (line: Int, column: Int)? {
        let text = decoded(data)
        var i = text.startIndex
        func skip(past end: String) -> Bool {
            guard let r = text[i...].range(of: end) else { return false }
            i = r.upperBound
            return true
        }
        while i < text.endIndex {
            let c = text.unicodeScalars[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                i = text.unicodeScalars.index(after: i)
            } else if text[i...].hasPrefix("<?") {
                guard skip(past: "?>") else { return nil }
            } else if text[i...].hasPrefix("<!--") {
                guard skip(past: "-->") else { return nil }
            } else if text[i...].hasPrefix("<!") {
                // The only other `<!` a prolog may hold is the DOCTYPE; anything else is not XML
                // either, and libxml2 says so.
                guard text[i...].hasPrefix("<!DOCTYPE") else { return nil }
                let lines = text[..<i].split(separator: "\n", omittingEmptySubsequences: false)
                return (lines.count, (lines.last?.unicodeScalars.count ?? 0) + 1)
            } else {
                return nil
            }
        }
        return nil
    }

    /// The bytes as text: UTF-32 and UTF-16 by their byte-order mark or their `<?` pattern, else
    /// as one byte per character (enough for the prolog of any ASCII-compatible encoding).
    static func decoded(_ data: Data) -> String {
        let b = Array(data.prefix(4))
        let encoding: String.Encoding? = switch b {
        case [0x00, 0x00, 0xFE, 0xFF], [0x00, 0x00, 0x00, 0x3C]: .utf32BigEndian
        case [0xFF, 0xFE, 0x00, 0x00], [0x3C, 0x00, 0x00, 0x00]: .utf32LittleEndian
        case _ where b.starts(with: [0xFE, 0xFF]) || b == [0x00, 0x3C, 0x00, 0x3F]: .utf16BigEndian
        case _ where b.starts(with: [0xFF, 0xFE]) || b == [0x3C, 0x00, 0x3F, 0x00]: .utf16LittleEndian
        default: nil
        }
        if let encoding, let text = String(data: data, encoding: encoding) {
            return text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
        }
        let bytes = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
        return String(decoding: bytes.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}

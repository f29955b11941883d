import Foundation
import Testing
@testable import LabaCore

/// CAP alerts from outside (SPEC 17): a DOCTYPE is refused, never expanded; the schema's order is
/// checked; geocodes count only by the value names the configuration accepts, and what is left
/// out is noted once per alert. Each alert is written here for the case it shows.
@Suite struct AlertInputTests {
    static let head = #"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">"#

    /// A small valid alert, its parts replaceable: `top` between `<sent>` and `<info>`, `info`
    /// the `<info>`'s elements, `area` the `<area>`'s.
    static func alert(prolog: String = #"<?xml version="1.0" encoding="UTF-8"?>"#, top: String? = nil, info: String? = nil,
                      area: String = "<areaDesc>玉龙</areaDesc><geocode><valueName>GB/T 2260</valueName><value>530721</value></geocode>",
                      tail: String = "") -> String {
        """
        \(prolog)
        \(head)
          <identifier>YN-1</identifier>
          <sender>office@example.cn</sender>
          <sent>2026-12-02T10:00:00+08:00</sent>
          \(top ?? "<status>Actual</status><msgType>Alert</msgType><scope>Public</scope>")
          <info>
            \(info ?? "<language>zh-CN</language><category>Geo</category><event>地震</event><urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>")
            <area>\(area)</area>
          </info>\(tail)
        </alert>
        """
    }

    struct Refused: CustomTestStringConvertible, Sendable {
        var name: String
        var xml: Data
        var error: String
        var testDescription: String { name }

        init(name: String, xml: String, encoding: String.Encoding = .utf8, error: String) {
            self.name = name
            self.xml = xml.data(using: encoding)!
            self.error = error
        }
    }

    static let refused: [Refused] = [
        .init(name: "a DOCTYPE declaring an entity that <event> uses",
              xml: alert(prolog: "<?xml version=\"1.0\"?>\n<!DOCTYPE alert [<!ENTITY quake \"地震\">]>")
                .replacingOccurrences(of: "<event>地震</event>", with: "<event>&quake;</event>"),
              error: "2:1 doctype"),
        .init(name: "a DOCTYPE naming an outside DTD whose entities would vanish from <identifier>",
              xml: alert(prolog: "<?xml version=\"1.0\"?>\n<!DOCTYPE alert SYSTEM \"http://example.invalid/cap.dtd\">")
                .replacingOccurrences(of: "YN-1", with: "YN-&id;"),
              error: "2:1 doctype"),
        .init(name: "a bare DOCTYPE after a comment",
              xml: alert(prolog: "<?xml version=\"1.0\"?>\n<!-- from the county -->\n  <!DOCTYPE alert>"), error: "3:3 doctype"),
        .init(name: "nested entities (billion laughs)",
              xml: alert(prolog: "<!DOCTYPE alert [<!ENTITY a \"ha\"><!ENTITY b \"&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;\">]>")
                .replacingOccurrences(of: "<event>地震</event>", with: "<event>&c;</event>"),
              error: "1:1 doctype"),
        .init(name: "a DOCTYPE after a UTF-8 byte-order mark", xml: "\u{FEFF}" + alert(prolog: "<!DOCTYPE alert>"), error: "1:1 doctype"),
        .init(name: "a DOCTYPE in UTF-16", xml: alert(prolog: "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE alert>"),
              encoding: .utf16, error: "1:40 doctype"),
        .init(name: "an entity reference with no DOCTYPE",
              xml: alert().replacingOccurrences(of: "<event>地震</event>", with: "<event>&quake;</event>"),
              error: "8:69 <event> xml_entity"),
        .init(name: "<sender> before <identifier>",
              xml: alert().replacingOccurrences(of: "<identifier>YN-1</identifier>\n  <sender>office@example.cn</sender>",
                                                with: "<sender>office@example.cn</sender>\n  <identifier>YN-1</identifier>"),
              error: "4:3 <alert> out_of_order after=sender child=identifier"),
        .init(name: "<scope> after <info>", xml: alert(top: "<status>Actual</status><msgType>Alert</msgType>", tail: "<scope>Public</scope>"),
              error: "10:10 <alert> out_of_order after=info child=scope"),
        .init(name: "<severity> before <urgency>",
              xml: alert(info: "<category>Geo</category><event>地震</event><severity>Extreme</severity><urgency>Immediate</urgency><certainty>Observed</certainty>"),
              error: "8:74 <info> out_of_order after=severity child=urgency"),
        .init(name: "<value> before <valueName> in a geocode",
              xml: alert(area: "<areaDesc>玉龙</areaDesc><geocode><value>530721</value><valueName>GB/T 2260</valueName></geocode>"),
              error: "9:64 <geocode> out_of_order after=value child=valueName"),
        .init(name: "<geocode> before <polygon> in an area",
              xml: alert(area: "<areaDesc>玉龙</areaDesc><geocode><valueName>GB/T 2260</valueName><value>530721</value></geocode>"
                         + "<polygon>26.7,100.0 26.7,100.4 27.1,100.4 26.7,100.0</polygon>"),
              error: "9:106 <area> out_of_order after=geocode child=polygon"),
        .init(name: "an element CAP 1.2 does not have", xml: alert(tail: "<priority>high</priority>"),
              error: "10:10 <alert> unknown_element child=priority"),
        .init(name: "an element of another namespace inside <info>",
              xml: alert(info: #"<category>Geo</category><event>地震</event><x:level xmlns:x="urn:example">3</x:level><urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>"#),
              error: "8:46 <info> unknown_element child=level"),
        .init(name: "a second <event>",
              xml: alert(info: "<category>Geo</category><event>地震</event><event>火灾</event><urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>"),
              error: "8:46 <info> repeated child=event"),
    ]

    @Test(arguments: refused) func hostileOrMisorderedAlertsAreRefusedSayingWhereAndWhat(_ c: Refused) {
        do {
            let alert = try CAPAlert(xml: c.xml)
            Issue.record("accepted: \(alert.infos.map(\.event)) \(alert.identifier)")
        } catch {
            #expect(error.description == c.error)
        }
    }

    static let signature = #"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>"#

    /// Valid alerts stay valid: every optional element in its place, a signature after the infos,
    /// and an alert in ISO-8859-1 read with its letters.
    @Test func everyElementInItsPlaceAndASignatureAreRead() throws {
        let full = Self.alert(
            top: "<status>Actual</status><msgType>Alert</msgType><source>county</source><scope>Restricted</scope>"
                + "<restriction>officials</restriction><addresses>a b</addresses><code>c1</code><code>c2</code><note>n</note>"
                + "<incidents>i1</incidents>",
            info: "<language>zh-CN</language><category>Geo</category><category>Safety</category><event>地震</event>"
                + "<responseType>Evacuate</responseType><urgency>Immediate</urgency><severity>Extreme</severity>"
                + "<certainty>Observed</certainty><audience>all</audience>"
                + "<eventCode><valueName>GB/T 35965</valueName><value>11B01</value></eventCode>"
                + "<effective>2026-12-02T10:00:00+08:00</effective><onset>2026-12-02T10:00:00+08:00</onset>"
                + "<expires>2026-12-02T12:00:00+08:00</expires><senderName>县应急局</senderName><headline>h</headline>"
                + "<description>d</description><instruction>i</instruction><web>https://example.cn</web><contact>c</contact>"
                + "<parameter><valueName>p</valueName><value>1</value></parameter>"
                + "<resource><resourceDesc>map</resourceDesc><mimeType>image/png</mimeType><size>10</size><uri>https://example.cn/m.png</uri></resource>",
            area: "<areaDesc>玉龙</areaDesc><polygon>26.7,100.0 26.7,100.4 27.1,100.4 26.7,100.0</polygon><circle>27.0,100.3 2</circle>"
                + "<geocode><valueName>GB/T 2260</valueName><value>530721</value></geocode><altitude>0</altitude><ceiling>100</ceiling>",
            tail: Self.signature)
        let alert = try CAPAlert(xml: Data(full.utf8))
        #expect(alert.scope == "Restricted" && alert.infos[0].areas[0].geocodes.count == 1 && alert.infos[0].eventCodes.count == 1)
    }

    @Test func anAlertInISO88591IsReadWithItsLetters() throws {
        let text = Self.alert(prolog: #"<?xml version="1.0" encoding="ISO-8859-1"?>"#)
            .replacingOccurrences(of: "<event>地震</event>", with: "<event>Terremoto en Usulután</event>")
            .replacingOccurrences(of: "玉龙", with: "Usulután")
        let latin1 = try #require(text.data(using: .isoLatin1))
        #expect(String(data: latin1, encoding: .utf8) == nil, "the document is not UTF-8")
        let alert = try CAPAlert(xml: latin1)
        #expect(alert.infos[0].event == "Terremoto en Usulután" && alert.infos[0].areas[0].description == "Usulután")
    }

    // MARK: Geocodes

    static let zones = """
        timezone: Asia/Shanghai
        outputs:
          - {id: hall, device: hw0, zone: yulong}
          - {id: square, device: hw1, zone: chengguan}
        zones:
          - {id: yulong, code: "530721000000"}
          - {id: chengguan, code: "530111000000"}
        """

    struct GeocodeCase: CustomTestStringConvertible, Sendable {
        var name: String
        var config = ""
        var geocodes: [(String, String)]
        var zones: [String]
        var notes: [String] = []
        var testDescription: String { name }
    }

    static let geocodeCases: [GeocodeCase] = [
        .init(name: "a Chinese county code reaches its county", geocodes: [("GB/T 2260", "530721")], zones: ["yulong"]),
        .init(name: "a US SAME code equal to a Chinese one reaches nothing", geocodes: [("SAME", "530111"), ("FIPS6", "530111")],
              zones: [],
              notes: ["geocodes left out, their value name is not in alerts.geocodes (GB/T 2260): SAME 530111; FIPS6 530111"]),
        .init(name: "the value name's letter case and spaces around do not matter",
              geocodes: [(" gb/t 2260 ", "530111")], zones: ["chengguan"]),
        .init(name: "an accepted name with a code of other digits is left out",
              geocodes: [("GB/T 2260", "5307210")], zones: [],
              notes: ["geocodes left out, not a code of the digits alerts.geocodes gives: GB/T 2260=5307210"]),
        .init(name: "the configuration's value names replace the default",
              config: "alerts:\n  geocodes: [{value_name: SAME, digits: 6}]\n  events: []",
              geocodes: [("SAME", "530111"), ("GB/T 2260", "530721")], zones: ["chengguan"],
              notes: ["geocodes left out, their value name is not in alerts.geocodes (SAME): GB/T 2260 530721"]),
        .init(name: "digits limit the lengths", config: "alerts:\n  geocodes: [{value_name: GB/T 2260, digits: [12]}]",
              geocodes: [("GB/T 2260", "530721"), ("GB/T 2260", "530111000000")], zones: ["chengguan"],
              notes: ["geocodes left out, not a code of the digits alerts.geocodes gives: GB/T 2260=530721"]),
    ]

    @Test(arguments: geocodeCases) func geocodesCountOnlyByTheValueNamesTheConfigurationAccepts(_ c: GeocodeCase) throws {
        let loaded = load(Self.zones + "\n" + c.config)
        #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
        let config = try #require(loaded.config)
        let area = "<areaDesc>a</areaDesc>" + c.geocodes.map { "<geocode><valueName>\($0.0)</valueName><value>\($0.1)</value></geocode>" }.joined()
        let alert = try CAPAlert(xml: Data(Self.alert(area: area).utf8))
        let reach = AlertPlanner.zones(reachedBy: alert, map: ZoneMap(config),
                                       geocodes: config.alerts?.acceptedGeocodes ?? GeocodeKind.chineseAdministrative)
        #expect(reach.zones == c.zones)
        #expect(reach.notes == c.notes)
    }

    /// A US alert repeats its SAME codes in each of its 36 `<info>`s (one per language and
    /// segment): one note for the alert, each code once.
    @Test func geocodesLeftOutAreNotedOncePerAlert() throws {
        let config = try #require(load(Self.zones + "\nalerts:\n  events: [{event: Tornado Warning, message: m}]").config)
        let area = "<areaDesc>King</areaDesc><geocode><valueName>SAME</valueName><value>053033</value></geocode>"
            + "<geocode><valueName>UGC</valueName><value>WAZ558</value></geocode>"
        let info = "<info><language>en-US</language><category>Met</category><event>Tornado Warning</event><urgency>Immediate</urgency>"
            + "<severity>Extreme</severity><certainty>Observed</certainty><area>\(area)</area></info>"
        let xml = Self.alert().replacingOccurrences(of: #"(?s)<info>.*</info>"#, with: Array(repeating: info, count: 36).joined(),
                                                    options: .regularExpression)
        let alert = try CAPAlert(xml: Data(xml.utf8))
        #expect(alert.infos.count == 36)
        let plan = AlertPlanner.plan(alert, config: config, map: ZoneMap(config), library: MessageLibrary(directory: "/audio"),
                                     now: Instant(seconds: 0))
        #expect(plan.notes == ["geocodes left out, their value name is not in alerts.geocodes (GB/T 2260): SAME 053033; UGC WAZ558"])
        #expect(plan.reason == "its area (\(Array(repeating: "King", count: 36).joined(separator: "; "))) reaches no zone")
    }

    static let badGeocodes: [ExpectedDiagnostic] = [
        .init(name: "not a list", yaml: "alerts:\n  geocodes: GB/T 2260", line: 2, column: 13, severity: .error,
              message: "alerts.geocodes must be a list, found a single value"),
        .init(name: "no value_name", yaml: "alerts:\n  geocodes: [{digits: 6}]", line: 2, column: 14, severity: .error,
              message: "an alerts.geocodes entry needs value_name (the <valueName> of the geocodes to match, such as \"GB/T 2260\")"),
        .init(name: "no digits", yaml: "alerts:\n  geocodes: [{value_name: SAME}]", line: 2, column: 14, severity: .error,
              message: "an alerts.geocodes entry needs digits: the lengths of its codes, of 6, 9 and 12"),
        .init(name: "digits of another length", yaml: "alerts:\n  geocodes: [{value_name: SAME, digits: [6, 5]}]", line: 2,
              column: 45, severity: .error,
              message: "digits must be 6 (a county), 9 (a township) or 12 (a village), or a list of them, found '5'"),
        .init(name: "a value name twice",
              yaml: "alerts:\n  geocodes:\n    - {value_name: SAME, digits: 6}\n    - {value_name: same, digits: 6}", line: 4,
              column: 20, severity: .error, message: "value_name 'same' is listed twice in alerts.geocodes (first at line 7)"),
        .init(name: "an unknown key", yaml: "alerts:\n  geocodes: [{value_name: SAME, digits: 6, name: x}]", line: 2, column: 44,
              severity: .error, message: "unknown key 'name' in an alerts.geocodes entry"),
    ]

    @Test(arguments: badGeocodes) func badGeocodeSettingsAreNamedWhereTheyAre(_ c: ExpectedDiagnostic) {
        let diagnostics = load(minimalZones + "\n" + c.yaml).diagnostics
        let offset = minimalZones.split(separator: "\n").count
        #expect(diagnostics.contains {
            $0.severity == c.severity && $0.message == c.message && $0.location?.line == c.line + offset && $0.location?.column == c.column
        }, "\(diagnostics.map { "\($0.location.map { "\($0.line):\($0.column)" } ?? "-") \($0.message)" })")
    }
}

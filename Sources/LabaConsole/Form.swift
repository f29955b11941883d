// An `application/x-www-form-urlencoded` body or query string, read once into its fields.

import Foundation
import LabaCore

struct Form: Sendable {
    private(set) var fields: [(String, String)] = []

    init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields.append((decode(kv[0]), kv.count > 1 ? decode(kv[1]) : ""))
        }
    }

    /// The first value of `name`, nil when absent; an empty value counts as absent.
    subscript(name: String) -> String? {
        fields.first { $0.0 == name && !$0.1.isEmpty }?.1
    }

    /// Every value of `name`, in order, empty ones left out.
    func all(_ name: String) -> [String] { fields.filter { $0.0 == name && !$0.1.isEmpty }.map(\.1) }

    /// A checkbox or yes/no field, read as every door reads one (`Rules.flag`); anything else is no.
    func flag(_ name: String) -> Bool { self[name].flatMap(Rules.flag) ?? false }

    /// The fields again, as a query string.
    static func encode(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }
}

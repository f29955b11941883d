// Which language a page speaks: the account's choice, else the browser's Accept-Language, else
// `console.language`.

import LabaCatalog

enum PageLanguage {
    static func choose(account: String?, acceptLanguage: String?, configured: String) -> CatalogLanguage {
        if let account, let language = CatalogLanguage(rawValue: account) { return language }
        if let header = acceptLanguage, let language = fromAcceptLanguage(header) { return language }
        return CatalogLanguage(rawValue: configured) ?? .zhHans
    }

    /// The best of zh (any region or script) and en in an Accept-Language header, by q-value; nil
    /// when it names neither.
    static func fromAcceptLanguage(_ header: String) -> CatalogLanguage? {
        var best: (CatalogLanguage, Double)?
        for (index, item) in header.split(separator: ",").enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(), !tag.isEmpty else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            let language: CatalogLanguage? = primary == "zh" ? .zhHans : primary == "en" ? .en : nil
            guard let language, q > 0 else { continue }
            // Equal q-values keep the header's order.
            let score = q - Double(index) * 1e-6
            if best == nil || score > best!.1 { best = (language, score) }
        }
        return best?.0
    }
}

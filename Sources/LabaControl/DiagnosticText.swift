// A configuration's diagnostics in the reader's language: those with a code (a file the
// configuration names) from the catalogue, the others as LabaCore wrote them.

import LabaCatalog
import LabaCore

extension Diagnostic {
    /// The message in `language`.
    public func text(in language: CatalogLanguage = .current) -> String {
        code.flatMap { Catalog.diagnostic(code: $0, args: arguments, in: language) } ?? message
    }

    /// `FILE:LINE:COL: error: MESSAGE` with the message in `language`.
    public func line(in language: CatalogLanguage = .current) -> String {
        let text = text(in: language)
        if let location { return "\(location): \(severity.rawValue): \(text)" }
        return "\(severity.rawValue): \(text)"
    }
}

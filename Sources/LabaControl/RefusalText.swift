// Where refusals are spoken in English: the API's `message`, a fleet ack's `message`, the log.
// Readers with the code render it in their own language.

import LabaCatalog
import LabaCore

extension Refusal {
    /// The refusal in English, from the catalogue.
    public var english: String { Catalog.refusal(code: code.rawValue, args: args, in: .en) ?? description }
}

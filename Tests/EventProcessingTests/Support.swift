import EventProcessing
import Foundation
import SentryProtocol
import Testing

enum Corpus {
    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/sdk-corpus") }

    /// The event item of a captured envelope, as a JSON document.
    static func event(_ prefix: String) throws -> JSONDocument {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        guard let name = names.first(where: { $0.hasPrefix(prefix) && $0.hasSuffix(".decompressed") }) else {
            throw CocoaError(.fileNoSuchFile)
        }
        let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
        let envelope = try EnvelopeParser.parse(bytes)
        guard let item = envelope.items.first(where: { $0.type == .event }) else { throw CocoaError(.fileReadCorruptFile) }
        return try JSONDocument(bytes: bytes, range: item.payload)
    }
}

/// Builds event JSON from parts, for frame styles no corpus capture has.
func eventJSON(_ object: [String: Any]) throws -> JSONDocument {
    try JSONDocument(bytes: Array(try JSONSerialization.data(withJSONObject: object)))
}

/// The grouping with its tree; every call also checks that ingest's tree-less key agrees with it.
/// Strategy v1's (the golden table's cases are v1's; later strategies have their own tests).
func grouping(_ document: JSONDocument, rules: FingerprintRules = .none, strategy: GroupingStrategy = .v1) -> GroupingResult {
    let facts = EventFacts(document.root)
    let result = Fingerprinter.group(facts, rules: rules, strategy: strategy)
    #expect(Fingerprinter.key(facts, rules: rules, strategy: strategy) == result.key, "ingest's grouping key differs from the tree's")
    #expect(Fingerprinter.group(facts, rules: rules, strategy: strategy, explain: false).hash == result.hash)
    return result
}

func frame(_ function: String, module: String? = nil, file: String? = nil, context: String? = nil, line: Int = 1,
           inApp: Bool? = true) -> [String: Any] {
    var f: [String: Any] = ["function": function, "lineno": line]
    if let module { f["module"] = module }
    if let file { f["filename"] = file; f["abs_path"] = file }
    if let context { f["context_line"] = context }
    if let inApp { f["in_app"] = inApp }
    return f
}

func exceptionEvent(platform: String, type: String, value: String, frames: [[String: Any]],
                    extra: [String: Any] = [:]) -> [String: Any] {
    var event: [String: Any] = [
        "platform": platform,
        "exception": ["values": [["type": type, "value": value, "stacktrace": ["frames": frames]]]],
    ]
    for (k, v) in extra { event[k] = v }
    return event
}

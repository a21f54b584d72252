import EventProcessing
import Foundation
import SentryProtocol
import Testing

/// Each released grouping strategy is frozen: for a fixed set of events (the SDK corpus, captures from raven-python,
/// sentry-go and sentry-ruby, and one event per other platform and legacy shape) the hashes it gives are pinned in
/// `Tests/Fixtures/grouping/<strategy>.json`. A change that moves an existing hash fails here; it belongs in a new
/// strategy version. To pin a new strategy's table, run with `FAULTLINE_PIN_GROUPING=write` and review the file.
@Suite struct PinnedHashTests {
    static var groupingDirectory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/grouping") }

    /// Every fixture event by name: `events/*.json`, and each event item of the SDK corpus.
    static func events() throws -> [(name: String, document: JSONDocument)] {
        var out: [(String, JSONDocument)] = []
        let dir = groupingDirectory.appendingPathComponent("events")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).filter({ $0.hasSuffix(".json") }).sorted() {
            out.append((String(name.dropLast(5)), try JSONDocument(bytes: Array(try Data(contentsOf: dir.appendingPathComponent(name))))))
        }
        let corpus = try FileManager.default.contentsOfDirectory(atPath: Corpus.directory.path)
            .filter { $0.hasSuffix(".decompressed") }.sorted()
        for name in corpus {
            let bytes = Array(try Data(contentsOf: Corpus.directory.appendingPathComponent(name)))
            guard let envelope = try? EnvelopeParser.parse(bytes) else { continue }
            for (i, item) in envelope.items.enumerated() where item.type == .event {
                out.append(("corpus/\(name.replacingOccurrences(of: ".decompressed", with: ""))#\(i)",
                            try JSONDocument(bytes: bytes, range: item.payload)))
            }
        }
        return out
    }

    @Test(arguments: GroupingStrategy.allCases)
    func hashesArePinned(strategy: GroupingStrategy) throws {
        let events = try Self.events()
        #expect(events.count >= 30, "the fixtures were read")
        var computed: [String: String] = [:]
        for (name, document) in events {
            computed[name] = Fingerprinter.group(EventFacts(document.root), rules: .none, strategy: strategy).hash
        }
        let file = Self.groupingDirectory.appendingPathComponent("\(strategy.rawValue.replacingOccurrences(of: ":", with: "@")).json")
        if ProcessInfo.processInfo.environment["FAULTLINE_PIN_GROUPING"] == "write" {
            let data = try JSONSerialization.data(withJSONObject: computed, options: [.prettyPrinted, .sortedKeys])
            // Into the source tree (the bundle holds a copy).
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/grouping/\(file.lastPathComponent)")
            try data.write(to: source)
            return
        }
        let pinned = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: String],
                                  "no pinned table for \(strategy.rawValue)")
        #expect(Set(pinned.keys) == Set(computed.keys), "fixtures added or removed: pin them in a new table")
        for (name, hash) in pinned.sorted(by: { $0.key < $1.key }) {
            #expect(computed[name] == hash, "\(strategy.rawValue) moved the hash of \(name)")
        }
        // The pins are not all one value (a grouping that ignored its input would pass otherwise).
        #expect(Set(pinned.values).count >= events.count / 2)
    }
}

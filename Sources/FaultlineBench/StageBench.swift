import CommandLineOptions
import ContentCoding
import EventProcessing
import Foundation
import SentryProtocol

/// CPU per event of each processing stage, in-process over the fixture events (no HTTP, no disk): what
/// `bench --stages` prints. Each figure is the median of 5 repetitions over every event.
enum StageBench {
    struct Event {
        let bytes: [UInt8]
        let range: Range<Int>
    }

    static func run(fixtures: String) throws {
        let dir = URL(fileURLWithPath: fixtures)
        var events: [Event] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".decompressed") {
            let bytes = Array(try Data(contentsOf: dir.appendingPathComponent(name)))
            guard let envelope = try? EnvelopeParser.parse(bytes),
                  let item = envelope.items.first(where: { $0.type == .event }) else { continue }
            events.append(Event(bytes: bytes, range: item.payload))
        }
        guard !events.isEmpty else { throw CommandError("no event items in \(fixtures)") }
        let documents = try events.map { try JSONDocument(bytes: $0.bytes, range: $0.range) }
        let facts = documents.map { EventFacts($0.root) }
        let groupings = facts.map { Fingerprinter.group($0) }
        let now = Date().timeIntervalSince1970
        let meanBytes = events.map(\.range.count).reduce(0, +) / events.count
        let scrubbed = documents.filter { Scrubber.scrub($0) != nil }.count
        print("faultline-bench ingest --stages: \(events.count) fixture events, mean \(meanBytes) bytes of JSON, \(scrubbed) changed by scrubbing")
        var sink = 0
        func time(_ label: String, _ body: (Int) throws -> Int) rethrows {
            var samples: [Double] = []
            for _ in 0..<5 {
                let start = DispatchTime.now().uptimeNanoseconds
                let rounds = 200
                for _ in 0..<rounds {
                    for i in events.indices { sink &+= try body(i) }
                }
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000
                samples.append(elapsed / Double(rounds * events.count))
            }
            samples.sort()
            let padded = label.padding(toLength: 20, withPad: " ", startingAt: 0)
            print(padded + String(format: " %7.2f µs per event  [%.2f–%.2f]", samples[2], samples[0], samples[4]))
        }
        try time("JSON tape parse") { i in try JSONDocument(bytes: events[i].bytes, range: events[i].range).root.count }
        time("scrub (no change)") { i in Scrubber.scrub(documents[i])?.count ?? 0 }
        time("scrub, no defaults") { i in Scrubber.scrub(documents[i], config: ScrubbingConfig(useDefaults: false))?.count ?? 0 }
        time("event facts") { i in EventFacts(documents[i].root).exceptions.count }
        time("normalize fields") { i in
            EventNormalizer.normalize(facts[i], receivedAt: now, sentAt: nil).tags.count
        }
        for strategy in GroupingStrategy.allCases {
            time("fingerprint \(strategy == .v1 ? "v1" : strategy == .v2 ? "v2" : "v3")") { i in
                Fingerprinter.key(facts[i], strategy: strategy).hash.utf8.count
            }
        }
        time("title and culprit") { i in IssueDescriptor(facts[i], grouping: groupings[i]).title.utf8.count }
        time("components JSON") { i in groupings[i].componentsJSON().count }
        let bodies = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { $0.hasSuffix(".body") }
            .map { Array(try Data(contentsOf: dir.appendingPathComponent($0))) }
            .filter { (try? ContentDecoder.decode($0, encoding: .gzip, limit: 1 << 24)) != nil }
        if !bodies.isEmpty {
            let mean = bodies.map { (try? ContentDecoder.decode($0, encoding: .gzip, limit: 1 << 24).count) ?? 0 }.reduce(0, +) / bodies.count
            var n = 0
            print("gzip bodies: \(bodies.count), mean \(mean) bytes inflated")
            time("gunzip body") { _ in
                n += 1
                return (try? ContentDecoder.decode(bodies[n % bodies.count], encoding: .gzip, limit: 1 << 24).count) ?? 0
            }
        }
        try transactions(dir: dir, sink: &sink)
        if sink == 42 { print("") }
    }

    /// The transaction items of the fixtures: what storing them queryably costs beside parsing and scrubbing.
    static func transactions(dir: URL, sink: inout Int) throws {
        var documents: [JSONDocument] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".decompressed") {
            let bytes = Array(try Data(contentsOf: dir.appendingPathComponent(name)))
            guard let envelope = try? EnvelopeParser.parse(bytes),
                  let item = envelope.items.first(where: { $0.type == .transaction }) else { continue }
            documents.append(try JSONDocument(bytes: bytes, range: item.payload))
        }
        guard !documents.isEmpty else { return }
        let spans = documents.map { ($0.root["spans"]?.elements.count ?? 0) }.reduce(0, +) / documents.count
        print("transactions: \(documents.count), mean \(spans) spans")
        func time(_ label: String, _ body: (Int) -> Int) {
            var samples: [Double] = []
            for _ in 0..<5 {
                let start = DispatchTime.now().uptimeNanoseconds
                let rounds = 200
                for _ in 0..<rounds {
                    for i in documents.indices { sink &+= body(i) }
                }
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(rounds * documents.count))
            }
            samples.sort()
            print(label.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(format: " %7.2f µs per transaction  [%.2f–%.2f]", samples[2], samples[0], samples[4]))
        }
        time("scrub transaction") { Scrubber.scrub(documents[$0])?.count ?? 0 }
        time("trace records") { TraceRecords.transaction(documents[$0].root, name: nil).spans.count }
        let descriptions = documents.flatMap { d in (d.root["spans"]?.elements ?? []).compactMap { s in
            s["description"]?.string.map { (s["op"]?.string ?? "", $0) } } }
        time("span descriptions") { i in
            descriptions.reduce(0) { $0 + SpanDescription.normalize(op: $1.0, description: $1.1).utf8.count } / max(1, i + 1)
        }
    }
}

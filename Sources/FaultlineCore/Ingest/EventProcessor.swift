import Crypto
import EventProcessing
import SentryProtocol

/// Turns one event item into the row ingest stores: scrubbed bytes (when scrubbing changed anything),
/// normalized indexed fields and, for errors and messages, the grouping decision. Pure CPU work on the
/// caller's thread, reading only the fields it needs from the JSON tape.
struct EventProcessor {
    let config: ProjectConfig
    let receivedAt: Double
    let sentAt: Double?

    struct Processed {
        var row: IngestBatch.EventRow
        /// The item's JSON after scrubbing, when it differs from what was sent.
        var scrubbed: [UInt8]?
        /// Transactions: a row per performance problem found (`EventRow.isOccurrence`).
        var occurrences: [IngestBatch.EventRow] = []
    }

    /// Scrubs the JSON of a non-event item that is kept (feedback, logs); nil when nothing changed.
    func scrub(_ document: JSONDocument) -> [UInt8]? {
        guard document.root.kind == .object || document.root.kind == .array else { return nil }
        return Scrubber.scrub(document, config: config.scrubbing)
    }

    func process(_ document: JSONDocument, id headerID: EventID?, type: String, index: Int) throws(ProtocolError) -> Processed {
        var document = document
        let scrubbed = Scrubber.scrub(document, config: config.scrubbing)
        if let scrubbed {
            // Everything after this point (grouping, titles, tags) must see only the scrubbed values.
            do {
                document = try JSONDocument(bytes: scrubbed)
            } catch {
                throw .invalidJSON("scrubbed event", error)
            }
        }
        let root = document.root
        guard root.kind == .object else { throw .invalidJSON("event payload is not a JSON object", nil) }
        let facts = EventFacts(root)
        var payloadID: EventID?
        if let id = facts.eventIDMember, !id.isNull {
            guard let text = id.string, let parsed = EventID(text) else { throw .invalidEventID }
            payloadID = parsed
        }
        let isTransaction = type == "transaction" || facts.payloadType == "transaction"
        let fields = EventNormalizer.normalize(facts, receivedAt: receivedAt, sentAt: sentAt,
                                               defaultLevel: isTransaction ? "info" : "error")
        var issue: IssueInput?
        if !isTransaction {
            let key = Fingerprinter.key(facts, rules: config.fingerprintRules, stackTraceRules: config.stackTraceRules,
                                          strategy: config.strategy)
            issue = IssueInput(key: key, facts: facts, rules: config.fingerprintRules, stackTraceRules: config.stackTraceRules,
                               secondaryStrategy: config.secondaryStrategy(at: receivedAt),
                               descriptor: IssueDescriptor(facts, title: key.title),
                               platform: fields.platform, release: fields.release, userKey: fields.userKey, tags: fields.tags)
        }
        let id = headerID ?? payloadID ?? EventID.random()
        var row = IngestBatch.EventRow(eventID: id, type: isTransaction ? "transaction" : type, timestamp: fields.timestamp,
                                       level: fields.level, platform: fields.platform, release: fields.release,
                                       environment: fields.environment, itemIndex: index, issue: issue, notes: fields.notes)
        if !isTransaction { row.traceLink = facts.traceLink }
        if isTransaction {
            let timing = facts.transactionTiming
            row.transaction = IngestBatch.TransactionFacts(name: fields.transaction, op: timing.op, status: timing.status,
                                                           durationMS: timing.durationMS, userKey: fields.userKey, tags: fields.tags)
            var trace = TraceRecords.transaction(root, name: fields.transaction)
            // No valid time at all (missing, negative, beyond the year 5000): the transaction is filed at the time
            // normalization gave the event, not at the epoch, where no time range would ever show it.
            if let t = trace.transactions.first, t.end <= 0 {
                trace.transactions[0].start = fields.timestamp
                trace.transactions[0].end = fields.timestamp
                trace.transactions[0].durationMS = 0
            }
            trace.seal()
            if trace.droppedSpans > 0 { row.notes.append("spans: \(trace.droppedSpans) over the limit of \(TraceRecords.maxSpans) dropped") }
            row.trace = trace
            if let transaction = trace.transactions.first, !trace.spans.isEmpty {
                let context = DetectionContext(platform: fields.platform,
                                               browserName: facts.browserName)
                let problems = PerformanceDetector.detect(transaction, spans: trace.spans, settings: config.performance, context: context)
                let occurrences = problems.map { problem in
                    var o = occurrence(problem, of: row, transaction: transaction.name, facts: facts, fields: fields)
                    o.traceLink = transaction.traceID.map { TraceLink(traceID: $0, spanID: problem.offendingSpanIDs.first) }
                    o.sightingsBeforeIssue = config.performance.sightingsBeforeIssue(problem.kind)
                    return o
                }
                return Processed(row: row, scrubbed: scrubbed, occurrences: occurrences)
            }
        }
        return Processed(row: row, scrubbed: scrubbed)
    }

    /// Streamed spans: each segment of the container is checked like a transaction event, and a row per problem found
    /// files it under its issue. The row points at the span item; its evidence is found there again when it is read.
    func streamedOccurrences(_ extracted: TraceRecords.Extracted, container: JSONRef, itemIndex: Int) -> [IngestBatch.EventRow] {
        var rows: [IngestBatch.EventRow] = []
        var facts: EventFacts?
        for segment in extracted.transactions {
            guard let segmentID = segment.spanID else { continue }
            let spans = extracted.spans.filter { $0.segmentID == segmentID }
            guard !spans.isEmpty else { continue }
            let problems = PerformanceDetector.detect(segment, spans: spans, settings: config.performance, context: DetectionContext())
            for problem in problems {
                if facts == nil { facts = EventFacts(container) }
                guard let facts else { break }
                var tags: [(key: String, value: String)] = [("level", "info"), ("transaction", segment.name)]
                if let environment = segment.environment { tags.append(("environment", environment)) }
                if let release = segment.release { tags.append(("release", release)) }
                if let user = segment.userKey { tags.append(("user", user)) }
                let key = GroupingKey(strategy: config.strategy, hash: problem.groupingHash, variant: "performance",
                                      fingerprint: [problem.fingerprint], matchedRule: nil, title: problem.kind.title)
                let input = IssueInput(key: key, facts: facts, rules: .none,
                                       descriptor: IssueDescriptor(problem, transaction: segment.name), platform: "other",
                                       release: segment.release, userKey: segment.userKey, tags: tags,
                                       evidence: problem.evidenceJSON(transaction: segment.name))
                var row = IngestBatch.EventRow(eventID: Self.occurrenceID(String(segmentID, radix: 16), problem), type: "transaction",
                                               timestamp: segment.end, level: "info", platform: "other", release: segment.release,
                                               environment: segment.environment, itemIndex: itemIndex, issue: input, notes: [])
                row.isOccurrence = true
                row.traceLink = segment.traceID.map { TraceLink(traceID: $0, spanID: problem.offendingSpanIDs.first) }
                row.sightingsBeforeIssue = config.performance.sightingsBeforeIssue(problem.kind)
                rows.append(row)
            }
        }
        return rows
    }

    /// An occurrence's id, derived from what it was found in and its fingerprint: a resend dedupes.
    static func occurrenceID(_ source: String, _ problem: PerformanceProblem) -> EventID {
        var digest = Array(Insecure.MD5.hash(data: Array((source + problem.fingerprint).utf8)))
        digest += [UInt8](repeating: 0, count: max(0, 16 - digest.count))
        return EventID(bytes: Array(digest.prefix(16))) ?? EventID.random()
    }

    /// The row that files a transaction's performance problem under its issue: the same stored item, an id derived from
    /// the transaction's and the fingerprint (a resent transaction dedupes), Sentry's title and the evidence.
    private func occurrence(_ problem: PerformanceProblem, of row: IngestBatch.EventRow, transaction: String, facts: EventFacts,
                            fields: NormalizedFields) -> IngestBatch.EventRow {
        let key = GroupingKey(strategy: config.strategy, hash: problem.groupingHash, variant: "performance",
                              fingerprint: [problem.fingerprint], matchedRule: nil, title: problem.kind.title)
        let input = IssueInput(key: key, facts: facts, rules: .none, descriptor: IssueDescriptor(problem, transaction: transaction),
                               platform: fields.platform, release: fields.release, userKey: fields.userKey, tags: fields.tags,
                               evidence: problem.evidenceJSON(transaction: transaction))
        let id = Self.occurrenceID(row.eventID.hex, problem)
        var occurrence = IngestBatch.EventRow(eventID: id, type: "transaction", timestamp: row.timestamp, level: "info",
                                              platform: row.platform, release: row.release, environment: row.environment,
                                              itemIndex: row.itemIndex, issue: input, notes: [])
        occurrence.isOccurrence = true
        return occurrence
    }
}

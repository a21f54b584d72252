import EventProcessing
import SentryProtocol

/// A performance occurrence's evidence as found in its own transaction. The issue keeps the evidence of its first
/// sighting with its hash; each later event is another transaction, with its own span ids and figures, so its
/// event page shows what the detector finds in that transaction (found again when read: detection is pure and
/// cheap, and nothing per event needs storing).
public enum OccurrenceEvidence {
    /// The evidence of the problem with grouping hash `hash` in `json` (a transaction event, or a container of
    /// streamed spans); nil when it is not found there (the project's thresholds changed since, or the issue is not
    /// a span detector's, such as an endpoint regression).
    public static func evidence(transactionJSON json: [UInt8], hash: String, settings: DetectorSettings) -> [UInt8]? {
        guard let document = try? JSONDocument(bytes: json), document.root.kind == .object else { return nil }
        guard let (segment, problem) = found(in: document.root, hash: hash, settings: settings) else { return nil }
        return problem.evidenceJSON(transaction: segment.name)
    }

    /// The segment (the transaction, or the streamed segment span) where the problem with `hash` is found, and the problem.
    public static func found(in root: JSONRef, hash: String, settings: DetectorSettings)
        -> (segment: TransactionRecord, problem: PerformanceProblem)? {
        if root["items"]?.kind == .array {
            let streamed = TraceRecords.streamed(root)
            for segment in streamed.transactions {
                let spans = streamed.spans.filter { $0.segmentID == segment.spanID }
                guard !spans.isEmpty else { continue }
                let problems = PerformanceDetector.detect(segment, spans: spans, settings: settings, context: DetectionContext())
                if let problem = problems.first(where: { $0.groupingHash == hash }) { return (segment, problem) }
            }
            return nil
        }
        let facts = EventFacts(root)
        let fields = EventNormalizer.normalize(facts, receivedAt: 0, sentAt: nil)
        var trace = TraceRecords.transaction(root, name: fields.transaction)
        trace.seal()
        guard let transaction = trace.transactions.first, !trace.spans.isEmpty else { return nil }
        let context = DetectionContext(platform: fields.platform, browserName: facts.browserName)
        let problems = PerformanceDetector.detect(transaction, spans: trace.spans, settings: settings, context: context)
        return problems.first { $0.groupingHash == hash }.map { (transaction, $0) }
    }
}

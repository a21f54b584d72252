import EventProcessing
import SentryProtocol

/// A stored transaction as a trace shows it.
public struct TraceTransaction: Sendable, Equatable {
    public var projectID: Int
    public var eventID: EventID?
    public var spanID: UInt64?
    public var parentSpanID: UInt64?
    public var name: String
    public var op: String?
    public var status: String?
    public var start: Double
    public var end: Double
    public var durationMS: Double

    public init(projectID: Int, eventID: EventID?, spanID: UInt64?, parentSpanID: UInt64?, name: String, op: String?,
                status: String?, start: Double, end: Double, durationMS: Double) {
        self.projectID = projectID
        self.eventID = eventID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.name = name
        self.op = op
        self.status = status
        self.start = start
        self.end = end
        self.durationMS = durationMS
    }
}

/// One trace as a tree: transactions under the transaction whose span (or root) started them, each with its own
/// spans. Parent ids are looked up, never followed, so a cycle or a missing parent makes a root, not a loop.
public struct TraceTree: Sendable {
    public struct Node: Sendable {
        public var transaction: TraceTransaction
        /// The transaction's position in the list the tree was built from.
        public var index: Int
        public var parentEventID: EventID?
        public var generation: Int
        public var spans: [SpanRecord]
        public var children: [Node]
    }

    public var roots: [Node]

    /// Deeper trees are cut (their transactions still appear, as roots): a hostile trace cannot recurse without end.
    public static let maxDepth = 64

    public init(transactions: [TraceTransaction], spans: [SpanRecord]) {
        var spansBySegment: [UInt64: [SpanRecord]] = [:]
        for span in spans { if let segment = span.segmentID { spansBySegment[segment, default: []].append(span) } }
        // Which transaction owns each span id (its root span or one of its spans).
        var owner: [UInt64: Int] = [:]
        for (i, t) in transactions.enumerated() {
            guard let root = t.spanID else { continue }
            owner[root] = i
            for span in spansBySegment[root] ?? [] where owner[span.spanID] == nil { owner[span.spanID] = i }
        }
        var childrenOf: [Int: [Int]] = [:]
        var isRoot = Array(repeating: true, count: transactions.count)
        for (i, t) in transactions.enumerated() {
            guard let parent = t.parentSpanID, let p = owner[parent], p != i else { continue }
            childrenOf[p, default: []].append(i)
            isRoot[i] = false
        }
        var placed = Set<Int>()
        func node(_ i: Int, parentEvent: EventID?, generation: Int) -> Node {
            placed.insert(i)
            let t = transactions[i]
            let kids = generation < Self.maxDepth
                ? (childrenOf[i] ?? []).filter { !placed.contains($0) }.sorted { transactions[$0].start < transactions[$1].start }
                : []
            return Node(transaction: t, index: i, parentEventID: parentEvent, generation: generation,
                        spans: (t.spanID.flatMap { spansBySegment[$0] } ?? []).sorted { $0.start < $1.start },
                        children: kids.map { node($0, parentEvent: t.eventID, generation: generation + 1) })
        }
        var roots: [Node] = []
        let order = transactions.indices.sorted { transactions[$0].start < transactions[$1].start }
        for i in order where isRoot[i] { roots.append(node(i, parentEvent: nil, generation: 0)) }
        // Transactions only reachable through a cycle: shown as roots.
        for i in order where !placed.contains(i) { roots.append(node(i, parentEvent: nil, generation: 0)) }
        self.roots = roots
    }
}

/// An error or a performance occurrence that happened in a trace, as the trace view lists it.
public struct TraceIssueEvent: Sendable, Equatable {
    public var projectID: Int
    public var eventID: EventID
    public var issueID: Int?
    public var shortNumber: Int?
    /// The span that was active (errors) or the first offending span (performance problems).
    public var spanID: UInt64?
    public var title: String
    public var culprit: String
    public var level: String
    public var timestamp: Double
    /// The issue's type: `error`, `default`, or a `performance_…` type.
    public var issueType: String

    public var isPerformance: Bool { issueType.hasPrefix("performance_") }

    public init(projectID: Int, eventID: EventID, issueID: Int?, shortNumber: Int?, spanID: UInt64?, title: String,
                culprit: String, level: String, timestamp: Double, issueType: String) {
        self.projectID = projectID
        self.eventID = eventID
        self.issueID = issueID
        self.shortNumber = shortNumber
        self.spanID = spanID
        self.title = title
        self.culprit = culprit
        self.level = level
        self.timestamp = timestamp
        self.issueType = issueType
    }
}

/// Errors and performance problems placed in a trace: each under the transaction that owns its span (the transaction's
/// root span or one of its spans), the rest as the trace's orphans — as Sentry's trace view places them.
public struct TraceIssuePlacement: Sendable {
    /// By index into the transactions the placement was made for.
    public var errors: [Int: [TraceIssueEvent]] = [:]
    public var performanceIssues: [Int: [TraceIssueEvent]] = [:]
    public var orphanErrors: [TraceIssueEvent] = []

    public init(transactions: [TraceTransaction], spans: [SpanRecord], events: [TraceIssueEvent]) {
        var owner: [UInt64: Int] = [:]
        var bySpanSegment: [UInt64: Int] = [:]
        for (i, t) in transactions.enumerated() {
            if let root = t.spanID, owner[root] == nil { owner[root] = i; bySpanSegment[root] = i }
        }
        for span in spans {
            guard let segment = span.segmentID, let i = bySpanSegment[segment], owner[span.spanID] == nil else { continue }
            owner[span.spanID] = i
        }
        for event in events {
            let index = event.spanID.flatMap { owner[$0] }
            if event.isPerformance {
                // A problem's occurrence always belongs to a transaction; one whose transaction is not in the result is left out.
                if let index { performanceIssues[index, default: []].append(event) }
            } else if let index {
                errors[index, default: []].append(event)
            } else {
                orphanErrors.append(event)
            }
        }
    }
}

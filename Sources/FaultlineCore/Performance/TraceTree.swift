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
            return Node(transaction: t, parentEventID: parentEvent, generation: generation,
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

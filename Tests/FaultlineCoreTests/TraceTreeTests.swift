import EventProcessing
import SentryProtocol
import Testing
@testable import FaultlineCore

struct TraceTreeTests {
    static func transaction(_ span: UInt64, parent: UInt64?, start: Double, name: String) -> TraceTransaction {
        TraceTransaction(projectID: 1, eventID: EventID(high: 0, low: span), spanID: span, parentSpanID: parent, name: name,
                         op: "http.server", status: "ok", start: start, end: start + 1, durationMS: 1000)
    }

    static func span(_ id: UInt64, segment: UInt64, parent: UInt64, start: Double) -> SpanRecord {
        SpanRecord(spanID: id, parentSpanID: parent, segmentID: segment, op: "http.client", description: "GET /x", group: "g",
                   truncated: false, start: start, durationMS: 10, selfTimeMS: 10, status: nil, dbSystem: nil,
                   httpStatusCode: nil, httpResponseContentLength: nil)
    }

    @Test func childTransactionsHangUnderTheSpanThatCalledThem() {
        // frontend (0xA) → its span 0xA1 calls the api (0xB) → its span 0xB1 calls the worker (0xC).
        let tree = TraceTree(
            transactions: [Self.transaction(0xC, parent: 0xB1, start: 3, name: "worker"),
                           Self.transaction(0xA, parent: nil, start: 1, name: "frontend"),
                           Self.transaction(0xB, parent: 0xA1, start: 2, name: "api")],
            spans: [Self.span(0xA1, segment: 0xA, parent: 0xA, start: 1.5), Self.span(0xB1, segment: 0xB, parent: 0xB, start: 2.5)])
        #expect(tree.roots.count == 1 && tree.roots[0].transaction.name == "frontend" && tree.roots[0].spans.count == 1)
        let api = tree.roots[0].children[0]
        #expect(api.transaction.name == "api" && api.generation == 1 && api.parentEventID == EventID(high: 0, low: 0xA))
        #expect(api.children[0].transaction.name == "worker" && api.children[0].generation == 2)
    }

    @Test func cyclesAndMissingParentsBecomeRoots() {
        let tree = TraceTree(
            transactions: [Self.transaction(0xA, parent: 0xB1, start: 1, name: "a"), Self.transaction(0xB, parent: 0xA1, start: 2, name: "b"),
                           Self.transaction(0xC, parent: 0xDEAD, start: 3, name: "orphan")],
            spans: [Self.span(0xA1, segment: 0xA, parent: 0xA, start: 1), Self.span(0xB1, segment: 0xB, parent: 0xB, start: 2)])
        func count(_ n: TraceTree.Node) -> Int { 1 + n.children.map(count).reduce(0, +) }
        #expect(tree.roots.map(count).reduce(0, +) == 3, "every transaction once")
        #expect(tree.roots.contains { $0.transaction.name == "orphan" })
    }

    static func issueEvent(_ low: UInt64, span: UInt64?, type: String = "error") -> TraceIssueEvent {
        TraceIssueEvent(projectID: 1, eventID: EventID(high: 1, low: low), issueID: Int(low), shortNumber: Int(low), spanID: span,
                        title: "t", culprit: "c", level: "error", timestamp: 1, issueType: type)
    }

    @Test func errorsGoUnderTheTransactionThatOwnsTheirSpanAndTheRestAreOrphans() {
        let transactions = [Self.transaction(0xA, parent: nil, start: 1, name: "frontend"),
                            Self.transaction(0xB, parent: 0xA1, start: 2, name: "api")]
        let spans = [Self.span(0xA1, segment: 0xA, parent: 0xA, start: 1.5), Self.span(0xB1, segment: 0xB, parent: 0xB, start: 2.5)]
        let placement = TraceIssuePlacement(transactions: transactions, spans: spans, events: [
            Self.issueEvent(1, span: 0xB1),          // in a span of the api transaction
            Self.issueEvent(2, span: 0xA),           // on the frontend's root span
            Self.issueEvent(3, span: 0xDEAD),        // a span nobody stored
            Self.issueEvent(4, span: nil),           // no span at all
            Self.issueEvent(5, span: 0xB1, type: "performance_n_plus_one_db_queries"),
            Self.issueEvent(6, span: 0xDEAD, type: "performance_slow_db_query"),
        ])
        #expect(placement.errors[1]?.map(\.eventID) == [EventID(high: 1, low: 1)])
        #expect(placement.errors[0]?.map(\.eventID) == [EventID(high: 1, low: 2)])
        #expect(placement.orphanErrors.map(\.eventID) == [EventID(high: 1, low: 3), EventID(high: 1, low: 4)])
        #expect(placement.performanceIssues[1]?.map(\.eventID) == [EventID(high: 1, low: 5)])
        #expect(placement.performanceIssues.values.joined().count == 1, "a problem outside the result is left out, not orphaned")
    }
}

import EventProcessing
import SentryProtocol
import Testing
@testable import FaultlineCore

struct DurationHistogramTests {
    @Test func binsAreEqualWholeMillisecondsAndCountEveryValue() {
        let bins = DurationHistogram.bins([10, 12, 19, 20, 55.5, 110], buckets: 10)
        #expect(bins.count == 10 && bins.first?.bin == 10)
        #expect(bins.map(\.count).reduce(0, +) == 6, "the largest value lands in the last bin, none is lost")
        #expect(bins[1].bin - bins[0].bin == 10)
        #expect(bins[0].count == 3 && bins[1].count == 1 && bins[4].count == 1 && bins[9].count == 1)
    }

    @Test func boundsClipAndEmptyOrHostileInputGivesNoBins() {
        #expect(DurationHistogram.bins([], buckets: 5).isEmpty)
        #expect(DurationHistogram.bins([.nan, .infinity], buckets: 5).isEmpty)
        let clipped = DurationHistogram.bins([1, 50, 5000], buckets: 4, min: 0, max: 100)
        #expect(clipped.map(\.count).reduce(0, +) == 2 && clipped.first?.bin == 0 && clipped[1].bin == 25)
        #expect(DurationHistogram.bins([7, 7, 7], buckets: 1_000_000).count == DurationHistogram.maxBuckets)
    }
}

struct SuspectSpansTests {
    static func span(_ id: UInt64, op: String, description: String, selfTime: Double) -> SpanRecord {
        SpanRecord(spanID: id, parentSpanID: 1, segmentID: 1, op: op, description: description,
                   group: TraceRecords.group(op: op, description: description), truncated: false, start: 0,
                   durationMS: selfTime, selfTimeMS: selfTime, status: nil, dbSystem: nil, httpStatusCode: nil,
                   httpResponseContentLength: nil)
    }

    @Test func spansAreRankedBySummedSelfTimeWithFrequencyAndOccurrences() {
        let query = "SELECT * FROM items WHERE id = %s"
        let first = EventID(high: 0, low: 1), second = EventID(high: 0, low: 2)
        let ranked = SuspectSpans.rank([
            (eventID: first, spans: (0..<6).map { Self.span(UInt64(10 + $0), op: "db", description: query, selfTime: 4) }
                + [Self.span(20, op: "http.client", description: "GET /x", selfTime: 30)]),
            (eventID: second, spans: (0..<4).map { Self.span(UInt64(30 + $0), op: "db", description: query, selfTime: 5) }),
            (eventID: nil, spans: []),
        ])
        #expect(ranked.map(\.op) == ["db", "http.client"])
        let db = ranked[0]
        #expect(db.count == 10 && db.sumExclusiveTime == 44 && db.frequency == 1 && db.avgOccurrences == 5)
        #expect(db.p50ExclusiveTime == 4 && db.p95ExclusiveTime == 5 && db.examples.map(\.eventID) == [first, second])
        #expect(ranked[1].frequency == 0.5 && ranked[1].count == 1, "a transaction without spans is not counted")
    }
}

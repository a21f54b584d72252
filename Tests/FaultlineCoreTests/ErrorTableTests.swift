import Testing
@testable import FaultlineCore
import SentryProtocol

/// Discover over error events: parsing (`ErrorQuery`) and the table (`ErrorTable`), without storage.
struct ErrorTableTests {
    static let labels: [Int: ErrorIssueLabel] = [
        1: ErrorIssueLabel(title: "TimeoutError: upstream", shortID: "API-1"),
        2: ErrorIssueLabel(title: "KeyError: 'sku'", shortID: "API-2"),
    ]

    static func sample(_ issue: Int, user: String?, at t: Double, level: String = "error", release: String = "api@1") -> ErrorSample {
        ErrorSample(projectID: 7, timestamp: t, issueID: issue, level: level, platform: "python", release: release,
                    environment: "production", userKey: user, eventID: nil)
    }

    static let samples = [
        sample(1, user: "id:1", at: 1000), sample(1, user: "id:2", at: 1100), sample(1, user: "id:1", at: 1200),
        sample(2, user: "id:3", at: 1050, level: "warning", release: "api@2"),
    ]

    static func table(_ fields: [String], query: String = "event.type:error", sort: [String] = []) throws -> [[String: TransactionTable.Value]] {
        let q = try ErrorQuery(fields: fields, query: query, sort: sort)
        return ErrorTable.rows(samples, query: q, window: 600, projectSlug: { _ in "api" }, issue: { labels[$0] }).map(\.values)
    }

    @Test func countsByTitleWithUsersAndLastSeen() throws {
        let rows = try Self.table(["title", "issue", "count()", "count_unique(user)", "last_seen()", "epm()"])
        #expect(rows.count == 2)
        #expect(rows[0]["title"] == .string("TimeoutError: upstream") && rows[0]["issue"] == .string("API-1"))
        #expect(rows[0]["count()"] == .integer(3) && rows[0]["count_unique(user)"] == .integer(2))
        #expect(rows[0]["last_seen()"] == .string(Timestamp.format(1200)))
        #expect(rows[0]["epm()"] == .number(0.3), "3 events in 10 minutes")
        #expect(rows[1]["count()"] == .integer(1))
        // Sorted as asked; a total without columns.
        #expect(try Self.table(["title", "count()"], sort: ["count()"]).first?["title"] == .string("KeyError: 'sku'"))
        #expect(try Self.table(["count()", "count_unique(issue)"]) == [["count()": .integer(4), "count_unique(issue)": .integer(2)]])
    }

    @Test func filtersAndFreeText() throws {
        #expect(try Self.table(["count()"], query: "event.type:error level:warning") == [["count()": .integer(1)]])
        #expect(try Self.table(["count()"], query: "event.type:error !release:api@2") == [["count()": .integer(3)]])
        #expect(try Self.table(["count()"], query: "event.type:error Timeout") == [["count()": .integer(3)]])
        #expect(try Self.table(["count()"], query: "event.type:error title:KeyError*") == [["count()": .integer(1)]])
        #expect(try Self.table(["issue", "user"], query: "event.type:error user:id:1").count == 2, "one row per event without functions")
    }

    @Test func whatIsRefused() {
        for (fields, query) in [(["p95()"], "event.type:error"), (["transaction"], "event.type:error"),
                                (["count_unique(transaction.duration)"], ""), (["count()"], "event.type:error http.method:GET"),
                                ([String](), ""), (["last_seen(x)"], "")] {
            #expect(throws: DiscoverQueryError.self, "\(fields) \(query)") { try ErrorQuery(fields: fields, query: query, sort: []) }
        }
        #expect(throws: DiscoverQueryError.self) { try ErrorQuery(fields: ["title"], query: "", sort: ["count()"]) }
        #expect(ErrorQuery.asksForErrors(query: "event.type:error title:x", dataset: nil))
        #expect(ErrorQuery.asksForErrors(query: "", dataset: "errors"))
        #expect(!ErrorQuery.asksForErrors(query: "event.type:transaction", dataset: nil))
        #expect(!ErrorQuery.asksForErrors(query: "!event.type:error", dataset: nil))
        #expect(!ErrorQuery.asksForErrors(query: "(((", dataset: nil))
    }

    @Test func seriesAndTopGroups() throws {
        let query = try ErrorQuery(fields: ["title", "count()", "count_unique(user)"], query: "event.type:error", sort: [])
        let buckets = [900.0, 1000, 1100, 1200]
        let series = ErrorTable.series(Self.samples, query: query, buckets: buckets, interval: 100, projectSlug: { _ in "api" },
                                       issue: { Self.labels[$0] })
        #expect(series.values["count()"] == [0, 2, 1, 1], "\(series.values)")
        #expect(series.values["count_unique(user)"] == [0, 2, 1, 1])
        let top = ErrorTable.top(Self.samples, query: query, limit: 1, excludeOther: false, buckets: buckets, interval: 100,
                                 window: 400, projectSlug: { _ in "api" }, issue: { Self.labels[$0] })
        #expect(top.map(\.key) == ["TimeoutError: upstream", "Other"])
        #expect(top[0].series.values["count()"] == [0, 1, 1, 1] && top[1].series.values["count()"] == [0, 1, 0, 0])
    }
}

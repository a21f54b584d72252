import Testing
@testable import FaultlineCore
import SentryProtocol

@Suite struct TransactionThresholdTests {
    func body(_ text: String) throws -> JSONRef {
        try JSONDocument(bytes: Array(text.utf8)).root
    }

    @Test func updatesKeepWhatTheBodyLeavesOutAndTheCreationDate() throws {
        let first = try TransactionThreshold.updated(nil, body: body(#"{"threshold": 500}"#), editor: "7", now: 100)
        #expect(first == TransactionThreshold(threshold: 500, metric: "duration", editedBy: "7", dateAdded: 100, dateUpdated: 100))
        let second = try TransactionThreshold.updated(first, body: body(#"{"metric": "duration"}"#), editor: nil, now: 200)
        #expect(second.threshold == 500 && second.dateAdded == 100 && second.dateUpdated == 200 && second.editedBy == nil)
        // What is stored reads back the same.
        #expect(TransactionThreshold(stored: second.stored) == second)
    }

    @Test func outOfRangeValuesAreRefusedWithSentrysWords() throws {
        for bad in [#"{"threshold": 250}"#, #"{"threshold": 0}"#, #"{"threshold": -100}"#, #"{"threshold": 1.5}"#,
                    #"{"threshold": 1e300}"#, #"{"threshold": "300"}"#, #"{"metric": "lcp"}"#, #"{"metric": 3}"#, "[]"] {
            #expect(throws: TransactionThreshold.UpdateError.self, "\(bad)") {
                try TransactionThreshold.updated(nil, body: body(bad), editor: nil, now: 0)
            }
        }
        #expect(throws: TransactionThreshold.UpdateError(message: "Invalid threshold - specify a multiple of 100.")) {
            try TransactionThreshold.updated(nil, body: body(#"{"threshold": 250}"#), editor: nil, now: 0)
        }
    }

    @Test func aResetOrUnreadableOptionIsNoThreshold() {
        #expect(TransactionThreshold(stored: nil) == nil)
        #expect(TransactionThreshold(stored: "{}") == nil)
        #expect(TransactionThreshold(stored: "not json") == nil)
        #expect(TransactionThreshold(stored: #"{"threshold": -5}"#) == nil)
    }

    /// The table's apdex and misery take each project's threshold; an inline one wins.
    @Test func discoverUsesEachProjectsThreshold() throws {
        let samples = [120.0, 250.0, 700.0].enumerated().map { i, ms in
            TransactionSample(projectID: 1, name: "/a", userKey: "id:\(i)", timestamp: 1000, durationMS: ms)
        } + [TransactionSample(projectID: 2, name: "/b", userKey: "id:9", timestamp: 1000, durationMS: 250)]
        let query = try DiscoverQuery(fields: ["transaction", "apdex()", "apdex(1000)", "count_miserable(user)"], query: "", sort: ["transaction"])
        let rows = TransactionTable.rows(samples, query: query, window: 3600, threshold: { $0 == 1 ? 200 : 300 })
        #expect(rows.map { $0.values["apdex()"] } == [.number((1 + 2 * 0.5) / 3), .number(1)])
        #expect(rows.map { $0.values["apdex(1000)"] } == [.number(1), .number(1)])
        // 700 ms is past four times 200 ms for project 1's users only.
        #expect(rows.map { $0.values["count_miserable(user)"] } == [.integer(0), .integer(0)])
        let strict = TransactionTable.rows(samples, query: query, window: 3600, threshold: { _ in 100 })
        #expect(strict.map { $0.values["count_miserable(user)"] } == [.integer(1), .integer(0)])
    }
}

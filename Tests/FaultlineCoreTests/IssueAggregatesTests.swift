import Foundation
import Testing
@testable import FaultlineCore
@testable import SQLite

@Suite struct IssueAggregatesTests {
    struct Snapshot: Equatable {
        var issues: [[String]]
        var tags: [[String]]
        var events: [[String]]
        var eventIDs: [[String]]
        var releases: [[String]]
        var hours: [[String]]

        init(_ db: SQLiteDatabase) throws {
            issues = try db.rows("""
                SELECT id, times_seen, user_count, first_seen, last_seen, level, first_release, last_release FROM issues ORDER BY id
                """) { r in (0..<8).map { r.string(Int32($0)) ?? "-" } }
            tags = try db.rows("SELECT issue_id, key, value, times_seen, first_seen, last_seen FROM issue_tags ORDER BY 1, 2, 3") { r in
                (0..<6).map { r.string(Int32($0)) ?? "-" }
            }
            events = try db.rows("SELECT issue_id, timestamp, event_row FROM issue_events ORDER BY 1, 2, 3") { r in
                (0..<3).map { r.string(Int32($0)) ?? "-" }
            }
            eventIDs = try db.rows("SELECT project_id, hex(event_id), event_row FROM event_ids ORDER BY 1, 2") { r in
                (0..<3).map { r.string(Int32($0)) ?? "-" }
            }
            releases = try db.rows("""
                SELECT project_id, version, event_count, first_event, last_event, new_issues FROM releases ORDER BY 1, 2
                """) { r in (0..<6).map { r.string(Int32($0)) ?? "-" } }
            hours = try db.rows("SELECT issue_id, hour, count FROM issue_hours ORDER BY 1, 2") { r in (0..<3).map { r.string(Int32($0)) ?? "-" } }
        }
    }

    /// A process killed between aggregate flushes leaves events whose counts are not in the database; the next
    /// start counts them again from their payloads, to exactly what an orderly stop would have written.
    @Test func countsLostInACrashAreRecoveredAtStart() throws {
        let h = try Harness()
        for i in 0..<5 {
            try h.event(pythonError("KeyError", "'sku-\(i)'", function: "checkout", user: "u\(i % 3)", release: "shop@1.\(i / 2)",
                                    tags: ["tenant": i < 3 ? "acme" : "globex"]))
        }
        try h.event(pythonError("ValueError", "bad", function: "refund"))
        h.store.close()
        let path = h.store.path
        let db = try SQLiteDatabase(path: path)
        let expected = try Snapshot(db)
        #expect(expected.issues.count == 2)
        #expect(expected.issues[0][1] == "5" && expected.issues[0][2] == "3")
        #expect(expected.events.count == 6)
        #expect(expected.eventIDs.count == 6)
        #expect(expected.hours.map { Int($0[2]) ?? 0 }.reduce(0, +) == 6)
        #expect(expected.releases.map { [$0[1], $0[2], $0[5]] } == [["shop@1.0", "2", "1"], ["shop@1.1", "2", "0"], ["shop@1.2", "1", "0"]])
        // What a crash right after these events' commits leaves: events stored, none of their counts.
        try db.execute("""
            UPDATE issues SET times_seen = 0, user_count = 0, first_seen = 1e12, last_seen = 0, first_release = NULL,
                last_release = NULL;
            DELETE FROM issue_tags;
            DELETE FROM issue_events;
            DELETE FROM event_ids;
            DELETE FROM issue_hours;
            UPDATE releases SET event_count = 0, first_event = NULL, last_event = NULL;
            UPDATE settings SET value = '0' WHERE key = '\(IssueAggregates.watermarkKey)';
            """)
        let reopened = try SQLiteStore(directory: (path as NSString).deletingLastPathComponent)
        #expect(reopened.recountedEvents == 6)
        reopened.close()
        #expect(try Snapshot(db) == expected)
    }

    /// Counts held in memory outlive a transaction that rolls back, and a reader still sees them.
    @Test func countsSurviveARolledBackJob() throws {
        let h = try Harness()
        try h.event(pythonError("KeyError", "'a'", function: "checkout", user: "u1", tags: ["tenant": "acme"]))
        #expect(throws: SQLiteError.self) {
            try h.store.writer.sync { db in try db.execute("INSERT INTO no_such_table VALUES (1)") }
        }
        try h.event(pythonError("KeyError", "'b'", function: "checkout", user: "u2", tags: ["tenant": "acme"]))
        let issue = try h.onlyIssue()
        #expect(issue.timesSeen == 2)
        #expect(issue.userCount == 2)
        let tenants = try h.store.issueTagValues(issueID: issue.id, key: "tenant", limit: 10)
        #expect(tenants.map(\.count) == [2])
        let users = try h.store.issueTagValues(issueID: issue.id, key: "user", limit: 10)
        #expect(users.map(\.value) == ["id:u1", "id:u2"])
    }
}

import Foundation
import Testing
@testable import FaultlineCore
@testable import SQLite
import SentryProtocol

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

    /// A flush's index rows go out a bounded piece per commit, in key order; the index mark moves only once the
    /// last of them is written, and until then the duplicate check finds their event ids in the backlog.
    @Test func indexBacklogWritesBoundedPiecesAndMovesItsMarkLast() throws {
        let h = try Harness()
        let keys = (0..<5).map { IssueAggregates.EventKey(projectID: h.projectID, eventID: EventID(high: UInt64(5 - $0), low: 1)) }
        func count(_ table: String) throws -> Int {
            try h.store.writer.sync { db in try db.scalarInt("SELECT count(*) FROM \(table)") ?? -1 }
        }
        func indexMark() throws -> String? {
            try h.store.writer.sync { db in
                try db.first("SELECT value FROM settings WHERE key = ?", [IssueAggregates.indexWatermarkKey]) { $0.string(0) } ?? nil
            }
        }
        let markBefore = try indexMark()
        var backlog = IndexBacklog()
        try h.store.writer.sync { db in
            try backlog.add(events: (0..<3).map { .init(issueID: 9, timestamp: Double(3 - $0), row: 100 + $0) },
                            eventIDs: keys.enumerated().map { .init(key: $1, row: 100 + $0) },
                            traceEvents: [.init(traceID: EventID(high: 1, low: 2), row: 100, spanID: 7)], through: 104, db)
        }
        #expect(backlog.remaining == 9)
        #expect(keys.allSatisfy(backlog.contains))
        // Pieces of four rows: issue_events (3) and the first event id, then the other four ids, then the trace
        // row, which completes the generation and moves the mark.
        var seen: [[Int]] = []
        while !backlog.isEmpty {
            try h.store.writer.sync { db in try backlog.write(db, limit: 4) }
            seen.append([try count("issue_events"), try count("event_ids"), try count("trace_events"), backlog.remaining])
            if !backlog.isEmpty { #expect(try indexMark() == markBefore) }
        }
        #expect(seen == [[3, 1, 0, 5], [3, 5, 0, 1], [3, 5, 1, 0]])
        #expect(try indexMark() == "104")
        #expect(!keys.contains(where: backlog.contains))
        let rows = try h.store.writer.sync { db in try db.rows("SELECT event_row FROM event_ids ORDER BY event_id") { $0.int(0) } }
        #expect(rows == [104, 103, 102, 101, 100])
    }

    /// A crash after a flush's counts were written but before its index rows all were: the next start writes the
    /// missing rows (trace links from the payloads) without counting the events a second time.
    @Test func indexRowsTrailingTheCountsAreWrittenAtStart() throws {
        let h = try Harness()
        for i in 0..<4 {
            var event = pythonError("KeyError", "'sku-\(i)'", function: "checkout", user: "u\(i)", tags: ["tenant": "acme"])
            event["contexts"] = ["trace": ["trace_id": String(repeating: "ab", count: 16), "span_id": "00000000000000c\(i)"]]
            try h.event(event)
        }
        h.store.close()
        let path = h.store.path
        let db = try SQLiteDatabase(path: path)
        let expected = try Snapshot(db)
        let traces = try db.rows("SELECT hex(trace_id), event_row, span_id FROM trace_events ORDER BY 2") { r in (0..<3).map { r.string(Int32($0)) ?? "-" } }
        #expect(expected.issues.count == 1 && expected.issues[0][1] == "4")
        #expect(expected.events.count == 4 && expected.eventIDs.count == 4 && traces.count == 4)
        try db.execute("""
            DELETE FROM issue_events;
            DELETE FROM event_ids;
            DELETE FROM trace_events;
            UPDATE settings SET value = '0' WHERE key = '\(IssueAggregates.indexWatermarkKey)';
            """)
        let reopened = try SQLiteStore(directory: (path as NSString).deletingLastPathComponent)
        #expect(reopened.recountedEvents == 0)
        reopened.close()
        #expect(try Snapshot(db) == expected)
        #expect(try db.rows("SELECT hex(trace_id), event_row, span_id FROM trace_events ORDER BY 2") { r in (0..<3).map { r.string(Int32($0)) ?? "-" } } == traces)
        #expect(try db.first("SELECT value FROM settings WHERE key = ?", [IssueAggregates.indexWatermarkKey]) { $0.string(0) } ?? nil
                == expected.eventIDs.map { $0[2] }.max())
    }

    /// With the smallest pieces, the index rows trail the commits; reads and the duplicate check still see them all.
    @Test func readsAndDuplicatesSeeIndexRowsStillInTheBacklog() throws {
        var options = SQLiteStore.Options()
        options.indexPieceRows = 1
        options.flushInterval = .zero
        let h = try Harness(options: options)
        var ids: [EventID] = []
        for i in 0..<6 { ids.append(try h.event(pythonError("KeyError", "'sku-\(i)'", function: "checkout"))) }
        // Every commit flushed (interval zero) and wrote one index row: most of the rows wait in the backlog.
        let written = try h.store.writer.sync { db in try db.scalarInt("SELECT count(*) FROM event_ids") ?? 0 }
        #expect(written < 6)
        // A resend of an event whose id row is still in the backlog is a duplicate, not a second event.
        var resent = pythonError("KeyError", "'sku-0'", function: "checkout")
        resent["event_id"] = ids[0].hex
        try h.event(resent)
        #expect(try h.onlyIssue().timesSeen == 6)
        for id in ids { #expect(try h.store.event(projectID: h.projectID, eventID: id) != nil) }
        #expect(try h.store.writer.sync { db in try db.scalarInt("SELECT count(*) FROM event_ids") } == 6)
    }
}

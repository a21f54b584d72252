import EventProcessing
import SentryProtocol
import SQLite

/// Issue counters, tag counts and the events-by-issue index rows not yet written to the database. Like
/// Sentry's buffers, per-event increments are summed in memory and written together: one upsert per (issue,
/// tag, value) per flush instead of one per event, which had cost a third of ingest's CPU (every commit
/// dirtied each issue's pages). Reads settle the aggregates first, so the API still never shows an event its
/// counts or its issue's event list leave out.
struct IssueAggregates {
    struct EventEntry {
        var issueID: Int
        var timestamp: Double
        var row: Int
    }

    /// A `trace_events` row: an error (or performance occurrence) by its trace.
    struct TraceEventRow {
        var traceID: EventID
        var row: Int
        var spanID: UInt64?
    }

    /// An `event_ids` row: where a project's event id is stored.
    struct StoredEventID {
        var key: EventKey
        var row: Int
    }

    struct EventKey: Hashable {
        var projectID: Int
        var eventID: EventID
    }

    struct TagKey: Hashable {
        var issueID: Int
        var key: String
        var value: String
    }

    struct TagCount {
        var count: Int
        var first: Double
        var last: Double

        mutating func add(_ other: TagCount) {
            count += other.count
            first = min(first, other.first)
            last = max(last, other.last)
        }
    }

    /// Issues whose counter columns differ from the database.
    var issueIDs: Set<Int> = []
    var tags: [TagKey: TagCount] = [:]
    /// `issue_events` rows: an index on `events` would be dirtied by every commit in as many places as the
    /// commit has issues; written every 500 ms in key order, it touches each place once per flush.
    var events: [EventEntry] = []
    /// `event_ids` rows, for the same reason: the unique index they replace took a random page per event.
    var eventIDs: [StoredEventID] = []
    /// `trace_events` rows, for the same reason again: keyed by trace id, each was a random page per error.
    var traceEvents: [TraceEventRow] = []

    var isEmpty: Bool { issueIDs.isEmpty && tags.isEmpty && events.isEmpty && eventIDs.isEmpty && traceEvents.isEmpty }

    mutating func add(_ key: TagKey, at time: Double) {
        tags[key, default: TagCount(count: 0, first: time, last: time)].add(TagCount(count: 1, first: time, last: time))
    }

    /// Upserts the tag counts, many rows per statement (the per-statement cost, not the B-tree work,
    /// dominated one upsert per row). Returns the user rows that were new to their issue.
    func writeTags(_ db: SQLiteDatabase) throws -> Set<TagKey> {
        var newUsers: Set<TagKey> = []
        let rows = Array(tags)
        for chunk in stride(from: 0, to: rows.count, by: Self.rowsPerStatement) {
            let part = rows[chunk..<min(chunk + Self.rowsPerStatement, rows.count)]
            var values: [any SQLiteBindable] = []
            values.reserveCapacity(part.count * 6)
            for (key, c) in part { values += [key.issueID, key.key, key.value, c.count, c.first, c.last] }
            // A row that existed comes back with more than this flush's count.
            let returned = try db.rows(Self.upsertSQL[part.count], values) {
                (TagKey(issueID: $0.int(0), key: $0.string(1) ?? "", value: $0.string(2) ?? ""), $0.int(3))
            }
            for (key, seen) in returned where key.key == IssueWriter.userTag && tags[key]?.count == seen {
                newUsers.insert(key)
            }
        }
        return newUsers
    }

    static let rowsPerStatement = 64

    /// Adds the error events counted under each `release` tag to their project's release row (a few rows per
    /// flush: one per release that saw events). `projectOf` names an issue's project.
    func writeReleaseCounts(_ db: SQLiteDatabase, projectOf: (Int) throws -> Int?) throws {
        struct ReleaseKey: Hashable {
            var projectID: Int
            var version: String
        }
        var counts: [ReleaseKey: TagCount] = [:]
        for (key, c) in tags where key.key == Self.releaseTag {
            guard let projectID = try projectOf(key.issueID) else { continue }
            counts[ReleaseKey(projectID: projectID, version: key.value), default: TagCount(count: 0, first: c.first, last: c.last)]
                .add(c)
        }
        for (key, c) in counts {
            try db.run("""
                UPDATE releases SET event_count = event_count + ?, first_event = min(coalesce(first_event, ?), ?),
                    last_event = max(coalesce(last_event, ?), ?)
                WHERE project_id = ? AND version = ?
                """, [c.count, c.first, c.first, c.last, c.last, key.projectID, key.version])
        }
    }

    static let releaseTag = "release"

    /// Inserts `issue_events` rows (in key order: see `IndexBacklog`), many per statement.
    static func writeEvents(_ rows: ArraySlice<EventEntry>, _ db: SQLiteDatabase) throws {
        for chunk in stride(from: rows.startIndex, to: rows.endIndex, by: Self.eventRowsPerStatement) {
            let part = rows[chunk..<min(chunk + Self.eventRowsPerStatement, rows.endIndex)]
            var values: [any SQLiteBindable] = []
            values.reserveCapacity(part.count * 3)
            for e in part { values += [e.issueID, e.timestamp, e.row] }
            try db.run(Self.eventInsertSQL[part.count], values)
        }
    }

    static let eventRowsPerStatement = 128

    /// Adds the events to their issue's hourly counts (`issue_hours`), one upsert row per issue and hour.
    func writeHours(_ db: SQLiteDatabase) throws {
        struct HourKey: Hashable {
            var issueID: Int
            var hour: Int
        }
        var counts: [HourKey: Int] = [:]
        for e in events where e.timestamp.isFinite && abs(e.timestamp) < 1e12 {
            counts[HourKey(issueID: e.issueID, hour: Int((e.timestamp / 3600).rounded(.down)) * 3600), default: 0] += 1
        }
        let rows = counts.sorted { ($0.key.issueID, $0.key.hour) < ($1.key.issueID, $1.key.hour) }
        for chunk in stride(from: 0, to: rows.count, by: Self.rowsPerStatement) {
            let part = rows[chunk..<min(chunk + Self.rowsPerStatement, rows.count)]
            var values: [any SQLiteBindable] = []
            values.reserveCapacity(part.count * 3)
            for (key, n) in part { values += [key.issueID, key.hour, n] }
            try db.run(Self.hourUpsertSQL[part.count], values)
        }
    }

    private static let hourUpsertSQL = (0...rowsPerStatement).map { rows in
        "INSERT INTO issue_hours (issue_id, hour, count) VALUES "
            + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
            + " ON CONFLICT (issue_id, hour) DO UPDATE SET count = count + excluded.count"
    }

    /// Inserts `event_ids` rows (in key order: a BLOB compares as bytes, the id's big-endian halves).
    static func writeEventIDs(_ rows: ArraySlice<StoredEventID>, _ db: SQLiteDatabase) throws {
        for chunk in stride(from: rows.startIndex, to: rows.endIndex, by: Self.eventRowsPerStatement) {
            let part = rows[chunk..<min(chunk + Self.eventRowsPerStatement, rows.endIndex)]
            var values: [any SQLiteBindable] = []
            values.reserveCapacity(part.count * 3)
            for e in part { values += [e.key.projectID, e.key.eventID.bytes, e.row] }
            try db.run(Self.eventIDInsertSQL[part.count], values)
        }
    }

    /// Inserts `trace_events` rows (in key order).
    static func writeTraceEvents(_ rows: ArraySlice<TraceEventRow>, _ db: SQLiteDatabase) throws {
        for chunk in stride(from: rows.startIndex, to: rows.endIndex, by: Self.eventRowsPerStatement) {
            let part = rows[chunk..<min(chunk + Self.eventRowsPerStatement, rows.endIndex)]
            var values: [any SQLiteBindable] = []
            values.reserveCapacity(part.count * 3)
            for e in part { values += [e.traceID.bytes, e.row, e.spanID.map { Int64(bitPattern: $0) }] }
            try db.run(Self.traceEventInsertSQL[part.count], values)
        }
    }

    private static let traceEventInsertSQL = (0...eventRowsPerStatement).map { rows in
        "INSERT OR IGNORE INTO trace_events (trace_id, event_row, span_id) VALUES "
            + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// `OR IGNORE`, as for `issue_events`: recovery may insert rows a flush had already written.
    private static let eventIDInsertSQL = (0...eventRowsPerStatement).map { rows in
        "INSERT OR IGNORE INTO event_ids (project_id, event_id, event_row) VALUES "
            + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// `OR IGNORE`: recovery after a crash may insert rows a flush had already written.
    private static let eventInsertSQL = (0...eventRowsPerStatement).map { rows in
        "INSERT OR IGNORE INTO issue_events (issue_id, timestamp, event_row) VALUES "
            + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
    }

    private static let upsertSQL = (0...rowsPerStatement).map { rows in
        """
        INSERT INTO issue_tags (issue_id, key, value, times_seen, first_seen, last_seen) VALUES
        \(Array(repeating: "(?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
        ON CONFLICT (issue_id, key, value) DO UPDATE SET times_seen = times_seen + excluded.times_seen,
            first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
        RETURNING issue_id, key, value, times_seen
        """
    }

    // MARK: The watermarks

    /// The settings key holding the last event row whose counts are in the database.
    static let watermarkKey = "issue_aggregates_through_event"
    /// The settings key holding the last event row through which every index row (`issue_events`, `event_ids`,
    /// `trace_events`) is in the database: at most the counts' mark, since `IndexBacklog` writes them after.
    static let indexWatermarkKey = "issue_index_rows_through_event"

    /// Marks every event stored so far as counted and indexed (nothing of them is left in memory); returns the mark.
    @discardableResult
    static func writeWatermark(_ db: SQLiteDatabase) throws -> Int {
        let through = try writeCountsWatermark(db)
        try writeIndexWatermark(db, through: through)
        return through
    }

    /// Marks every event stored so far as counted; returns the mark.
    static func writeCountsWatermark(_ db: SQLiteDatabase) throws -> Int {
        try db.first("""
            INSERT INTO settings (key, value) SELECT ?, CAST(coalesce(max(id), 0) AS TEXT) FROM events WHERE true
            ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING value
            """, [watermarkKey]) { Int($0.string(0) ?? "") ?? 0 } ?? 0
    }

    static func writeIndexWatermark(_ db: SQLiteDatabase, through: Int) throws {
        try db.run("""
            INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """, [indexWatermarkKey, String(through)])
    }

    static func watermark(_ db: SQLiteDatabase) throws -> Int {
        try db.first("SELECT value FROM settings WHERE key = ?", [watermarkKey]) { Int($0.string(0) ?? "") ?? 0 } ?? 0
    }

    /// A database written before the index rows trailed the counts has no index mark: its rows went with the counts.
    static func indexWatermark(_ db: SQLiteDatabase) throws -> Int {
        let counts = try watermark(db)
        guard let index = try db.first("SELECT value FROM settings WHERE key = ?", [indexWatermarkKey], { Int($0.string(0) ?? "") ?? 0 })
        else { return counts }
        return min(index, counts)
    }

    // MARK: After a crash

    /// Counts the events committed after the last aggregate flush (the process stopped before writing their
    /// counts), and writes the index rows of those after the index mark (the rows `IndexBacklog` still held).
    /// Their tags and trace links are derived again from the stored, already scrubbed payloads, as ingest
    /// derived them. Returns how many events were counted.
    static func recover(_ db: SQLiteDatabase) throws -> Int {
        let mark = try watermark(db)
        let indexMark = try indexWatermark(db)
        struct Counters {
            var times = 0
            var first = Double.infinity
            var last = -Double.infinity
            var level: String?
            var firstRelease: String?
            var lastRelease: String?
        }
        var counters: [Int: Counters] = [:]
        var aggregates = IssueAggregates()
        try db.run("INSERT OR IGNORE INTO event_ids (project_id, event_id, event_row) SELECT project_id, event_id, id FROM events WHERE id > ?",
                   [indexMark])
        try db.run("""
            INSERT OR IGNORE INTO issue_events (issue_id, timestamp, event_row)
            SELECT issue_id, timestamp, id FROM events WHERE id > ? AND issue_id IS NOT NULL
            """, [indexMark])
        try db.run("""
            INSERT INTO issue_hours (issue_id, hour, count)
            SELECT issue_id, CAST(timestamp / 3600 AS INTEGER) * 3600, count(*) FROM events
            WHERE id > ? AND issue_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (issue_id, hour) DO UPDATE SET count = count + excluded.count
            """, [mark])
        let rows = try db.rows("""
            SELECT e.issue_id, e.timestamp, e.received_at, e.level, e.release, e.item_index, p.encoding, p.format, p.bytes, e.id
            FROM events e JOIN payloads p ON p.id = e.payload_id
            WHERE e.id > ? AND e.issue_id IS NOT NULL ORDER BY e.id
            """, [indexMark]) { r in
            (issue: r.int(0), timestamp: r.double(1), receivedAt: r.double(2), level: r.string(3), release: r.string(4),
             index: r.int(5), encoding: r.string(6) ?? "identity", format: r.string(7) ?? "json", bytes: r.blob(8) ?? [],
             row: r.int(9))
        }
        guard !rows.isEmpty else {
            try writeWatermark(db)
            return 0
        }
        var counted = 0
        for row in rows {
            // Counted already: only its trace link may be missing.
            if row.row <= mark {
                if let link = try? traceLink(row.bytes, encoding: row.encoding, format: row.format, index: row.index) {
                    aggregates.traceEvents.append(TraceEventRow(traceID: link.traceID, row: row.row, spanID: link.spanID))
                }
                continue
            }
            counted += 1
            var c = counters[row.issue] ?? Counters()
            c.times += 1
            c.first = min(c.first, row.timestamp)
            c.last = max(c.last, row.timestamp)
            c.level = row.level ?? c.level
            if let release = row.release {
                c.firstRelease = c.firstRelease ?? release
                c.lastRelease = release
            }
            counters[row.issue] = c
            // A payload that no longer parses still counts; only its tags are lost.
            guard let json = try? PayloadReader.item(bytes: row.bytes, encoding: row.encoding, format: row.format,
                                                     index: row.index),
                  let document = try? JSONDocument(bytes: json), document.root.kind == .object else { continue }
            let facts = EventFacts(document.root)
            let fields = EventNormalizer.normalize(facts, receivedAt: row.receivedAt, sentAt: nil)
            // A performance occurrence comes back with its transaction's own span (ingest named the offending one).
            if let link = facts.traceLink {
                aggregates.traceEvents.append(TraceEventRow(traceID: link.traceID, row: row.row, spanID: link.spanID))
            }
            for tag in fields.tags {
                aggregates.add(TagKey(issueID: row.issue, key: tag.key, value: tag.value), at: row.timestamp)
            }
        }
        let newUsers = try aggregates.writeTags(db)
        try writeTraceEvents(aggregates.traceEvents.sorted {
            ($0.traceID.high, $0.traceID.low, $0.row) < ($1.traceID.high, $1.traceID.low, $1.row)
        }[...], db)
        try aggregates.writeReleaseCounts(db) { id in
            try db.first("SELECT project_id FROM issues WHERE id = ?", [id]) { $0.int(0) }
        }
        var usersByIssue: [Int: Int] = [:]
        for key in newUsers { usersByIssue[key.issueID, default: 0] += 1 }
        for (id, c) in counters {
            try db.run("""
                UPDATE issues SET times_seen = times_seen + ?, user_count = user_count + ?,
                    first_seen = min(first_seen, ?), last_seen = max(last_seen, ?), level = coalesce(?, level),
                    first_release = coalesce(first_release, ?), last_release = coalesce(?, last_release)
                WHERE id = ?
                """, [c.times, usersByIssue[id] ?? 0, c.first, c.last, c.level, c.firstRelease, c.lastRelease, id])
        }
        try writeWatermark(db)
        return counted
    }

    private static func traceLink(_ bytes: [UInt8], encoding: String, format: String, index: Int) throws -> TraceLink? {
        let json = try PayloadReader.item(bytes: bytes, encoding: encoding, format: format, index: index)
        let document = try JSONDocument(bytes: json)
        guard document.root.kind == .object else { return nil }
        return EventFacts(document.root).traceLink
    }
}

extension SQLiteStore {
    /// A history written straight into the database file (the bench seeder) has its issue counts already summed:
    /// records that, so the next start does not count those events again.
    public static func markCountsSettled(_ db: SQLiteDatabase) throws {
        try IssueAggregates.writeWatermark(db)
    }
}

import FaultlineCore
import Foundation
import SentryProtocol
import SQLite

/// Fills a project with a large, realistic history directly in SQLite (not through HTTP), for `faultline
/// bench-api`: issues whose event counts fall off like real ones (a few hot issues, a long tail), tags, users,
/// releases, and every index row ingest would have written (`event_ids`, `issue_events`, counts settled).
public enum BenchSeeder {
    public struct Summary: Sendable {
        public var events: Int
        public var issues: Int
        public var hottestIssues: [Int]
        public var seconds: Double
    }

    /// Seeds `projectID` in the database at `path` (no server may be running on it).
    public static func seed(path: String, projectID: Int, events total: Int, issues issueCount: Int, now: Double) throws -> Summary {
        let started = Date()
        let db = try SQLiteDatabase(path: path)
        var generator = SplitMix(seed: 42)
        // Event counts ∝ 1/(rank + 20): the hottest issue has about 8,000 of a million, the tail a few each.
        let weights = (0..<issueCount).map { 1.0 / Double($0 + 20) }
        let scale = Double(total) / weights.reduce(0, +)
        var counts = weights.map { max(1, Int(($0 * scale).rounded())) }
        // Every issue has at least one event: with few events per issue the total comes out above the one asked for.
        counts[0] = max(1, counts[0] + total - counts.reduce(0, +))
        let span = 14 * 86_400.0
        let tenants = ["acme", "globex", "initech", "umbrella", "hooli"]
        let browsers = ["Chrome", "Firefox", "Safari", "Edge"]
        let types = ["KeyError", "ValueError", "TypeError", "AttributeError", "ZeroDivisionError", "PermissionError"]
        let payloads = try makePayloads(db, count: 64)

        try db.transaction {
            var eventRow = (try db.scalarInt("SELECT coalesce(max(id), 0) FROM events") ?? 0)
            var shortNumber = try db.scalarInt("SELECT issue_counter FROM projects WHERE id = ?", [projectID]) ?? 0
            var issueEvents: [(issue: Int, time: Double, row: Int)] = []
            var eventIDs: [(high: UInt64, low: UInt64, row: Int)] = []
            issueEvents.reserveCapacity(total)
            eventIDs.reserveCapacity(total)
            // Events are inserted after the issues, in time order: ingest appends them as they arrive, so row ids grow
            // with the time of receipt (reads rely on it, e.g. Discover's error range).
            var pending: [(time: Double, issue: Int, release: String, high: UInt64, low: UInt64)] = []
            pending.reserveCapacity(total)
            for (rank, count) in counts.enumerated() {
                shortNumber += 1
                let type = types[rank % types.count]
                let function = "handler_\(rank % 997)"
                let release = "shop@1.\(rank % 10)"
                let times = (0..<count).map { _ in now - span * pow(generator.unit(), 2) }.sorted()
                let firstSeen = times.first ?? now
                let lastSeen = times.last ?? now
                let users = min(count, 1 + rank % 50)
                let status = rank % 10 == 3 ? "resolved" : (rank % 10 == 7 ? "ignored" : "unresolved")
                try db.run("""
                    INSERT INTO issues (project_id, short_number, type, title, culprit, exception_type, exception_value,
                                        filename, function, level, platform, first_seen, last_seen, times_seen, user_count,
                                        first_release, last_release, is_unhandled, status, status_details)
                    VALUES (?, ?, 'error', ?, ?, ?, ?, 'shop/views.py', ?, 'error', 'python', ?, ?, ?, ?, ?, ?, ?, ?, '{}')
                    """, [projectID, shortNumber, "\(type): 'sku-\(rank)' in \(function)", "shop.views in \(function)", type,
                          "'sku-\(rank)'", function, firstSeen, lastSeen, count, users, release, release, rank % 4 == 0 ? 1 : 0,
                          status])
                let issueID = Int(db.lastInsertRowID)
                try db.run("""
                    INSERT INTO grouphashes (project_id, hash, issue_id, strategy, variant, components, first_seen)
                    VALUES (?, ?, ?, 'faultline:2026-11', 'app', '{}', ?)
                    """, [projectID, String(format: "%032llx", generator.next()), issueID, firstSeen])
                var tags: [(String, String, Int)] = [("level", "error", count), ("release", release, count),
                                                      ("environment", "production", count - count / 5),
                                                      ("environment", "staging", count / 5), ("handled", rank % 4 == 0 ? "no" : "yes", count)]
                for (i, tenant) in tenants.enumerated() where (rank + i) % 3 == 0 { tags.append(("tenant", tenant, max(1, count / 3))) }
                for (i, browser) in browsers.enumerated() where (rank + i) % 2 == 0 { tags.append(("browser", browser, max(1, count / 2))) }
                for u in 0..<users { tags.append(("user", "id:\(rank * 100 + u)", max(1, count / users))) }
                for (key, value, n) in tags {
                    try db.run("""
                        INSERT INTO issue_tags (issue_id, key, value, times_seen, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (issue_id, key, value) DO NOTHING
                        """, [issueID, key, value, n, firstSeen, lastSeen])
                }
                for time in times {
                    pending.append((time, issueID, release, generator.next(), generator.next()))
                }
            }
            pending.sort { $0.time < $1.time }
            for e in pending {
                eventRow += 1
                try db.run("""
                    INSERT INTO events (id, project_id, event_id, type, received_at, timestamp, level, platform, release,
                                        environment, payload_id, item_index, issue_id, grouping_hash, user_key)
                    VALUES (?, ?, ?, 'error', ?, ?, 'error', 'python', ?, 'production', ?, 0, ?, NULL, NULL)
                    """, [eventRow, projectID, EventID(high: e.high, low: e.low).bytes, e.time, e.time, e.release,
                          payloads[eventRow % payloads.count], e.issue])
                issueEvents.append((e.issue, e.time, eventRow))
                eventIDs.append((e.high, e.low, eventRow))
            }
            // The index tables in key order, as the aggregate flush writes them.
            issueEvents.sort { ($0.issue, $0.time, $0.row) < ($1.issue, $1.time, $1.row) }
            for e in issueEvents {
                try db.run("INSERT INTO issue_events (issue_id, timestamp, event_row) VALUES (?, ?, ?)", [e.issue, e.time, e.row])
            }
            var hours: [Int: [Int: Int]] = [:]
            for e in issueEvents { hours[e.issue, default: [:]][Int((e.time / 3600).rounded(.down)) * 3600, default: 0] += 1 }
            for (issue, counts) in hours.sorted(by: { $0.key < $1.key }) {
                for (hour, n) in counts.sorted(by: { $0.key < $1.key }) {
                    try db.run("INSERT INTO issue_hours (issue_id, hour, count) VALUES (?, ?, ?)", [issue, hour, n])
                }
            }
            eventIDs.sort { ($0.high, $0.low) < ($1.high, $1.low) }
            for e in eventIDs {
                try db.run("INSERT INTO event_ids (project_id, event_id, event_row) VALUES (?, ?, ?)",
                           [projectID, EventID(high: e.high, low: e.low).bytes, e.row])
            }
            try db.run("UPDATE projects SET issue_counter = ? WHERE id = ?", [shortNumber, projectID])
            for minor in 0..<10 {
                try db.run("INSERT OR IGNORE INTO releases (project_id, version, first_seen) VALUES (?, ?, ?)",
                           [projectID, "shop@1.\(minor)", now - span + Double(minor) * 3600])
            }
            try db.run("""
                INSERT OR IGNORE INTO org_releases (organization_id, version, date_created)
                SELECT p.organization_id, r.version, r.first_seen FROM releases r JOIN projects p ON p.id = r.project_id
                WHERE r.project_id = ?
                """, [projectID])
            // Every seeded event is counted: nothing for the next start to recount.
            try SQLiteStore.markCountsSettled(db)
        }
        try db.execute("ANALYZE")
        let hottest = try db.rows("SELECT id FROM issues WHERE project_id = ? ORDER BY times_seen DESC LIMIT 50", [projectID]) { $0.int(0) }
        return Summary(events: counts.reduce(0, +), issues: issueCount, hottestIssues: hottest, seconds: Date().timeIntervalSince(started))
    }

    /// Stored bodies the seeded events point into: Python SDK-like error events, uncompressed.
    private static func makePayloads(_ db: SQLiteDatabase, count: Int) throws -> [Int] {
        try (0..<count).map { i in
            let event = """
                {"event_id":"\(String(format: "%032x", i + 1))","platform":"python","level":"error","release":"shop@1.\(i % 10)",\
                "environment":"production","timestamp":"2026-11-20T10:00:00Z","user":{"id":"\(i)"},\
                "tags":{"tenant":"acme","browser":"Chrome"},"exception":{"values":[{"type":"KeyError","value":"'sku-\(i)'",\
                "mechanism":{"type":"generic","handled":true},"stacktrace":{"frames":[{"filename":"shop/views.py",\
                "function":"handler_\(i)","module":"shop.views","lineno":\(10 + i),"in_app":true,\
                "context_line":"    return cart[sku]","pre_context":["def handler(cart, sku):"],"post_context":[""],\
                "vars":{"sku":"'sku-\(i)'"}}]}}]},"breadcrumbs":{"values":[{"category":"http","message":"GET /cart",\
                "timestamp":"2026-11-20T09:59:59Z"}]},"request":{"method":"GET","url":"https://shop.example.com/cart"},\
                "sdk":{"name":"sentry.python","version":"2.75.0"}}
                """
            try db.run("INSERT INTO payloads (encoding, format, bytes) VALUES ('identity', 'json', ?)", [Array(event.utf8)])
            return Int(db.lastInsertRowID)
        }
    }

    /// A small fast generator with a fixed seed, so every run seeds the same data.
    struct SplitMix {
        var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }
}

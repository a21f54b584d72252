import Foundation
import SQLite

extension SQLiteStore {
    // MARK: Project options

    public func projectConfig(projectID: Int) throws -> ProjectConfig {
        let strategy = try readers.read { db in
            try db.first("SELECT grouping_strategy FROM projects WHERE id = ?", [projectID]) { $0.string(0) } ?? nil
        }
        return ProjectConfig(strategy: strategy, options: try projectOptions(projectID: projectID))
    }

    public func projectOptions(projectID: Int) throws -> [String: String] {
        let pairs = try readers.read { db in
            try db.rows("SELECT key, value FROM project_options WHERE project_id = ?", [projectID]) { ($0.string(0) ?? "", $0.string(1) ?? "") }
        }
        return Dictionary(pairs, uniquingKeysWith: { _, last in last })
    }

    public func setProjectOptions(projectID: Int, _ options: [String: String]) throws {
        try writer.sync { db in
            for (key, value) in options {
                try db.run("""
                    INSERT INTO project_options (project_id, key, value) VALUES (?, ?, ?)
                    ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value
                    """, [projectID, key, value])
            }
        }
    }

    // MARK: Issues

    public func issue(id: Int) throws -> Issue? {
        try settleIssues()
        return try readers.read { db in try IssueRows.load(db, id: id) }
    }

    public func issue(projectID: Int, shortNumber: Int) throws -> Issue? {
        try settleIssues()
        return try readers.read { db in
            try db.first("SELECT \(IssueRows.columns) FROM issues WHERE project_id = ? AND short_number = ?",
                         [projectID, shortNumber], IssueRows.issue)
        }
    }

    public func issues(_ query: IssueQuery) throws -> [Issue] {
        try settleIssues()
        guard !query.projectIDs.isEmpty else { return [] }
        if Self.merges(query) { return try issues(ids: try mergedIssueIDs(query)) }
        let (sql, values) = try issueListSQL(query)
        return try readers.read { db in try db.rows(sql, values, IssueRows.issue) }
    }

    public func issueIDs(_ query: IssueQuery) throws -> [Int] {
        try settleIssues()
        guard !query.projectIDs.isEmpty else { return [] }
        if Self.merges(query) { return try mergedIssueIDs(query) }
        let (sql, values) = try issueListSQL(query, columns: "id")
        return try readers.read { db in try db.rows(sql, values) { $0.int(0) } }
    }

    public func issueCountEstimate(_ query: IssueQuery, matched: Int, through: IssueCursor) throws -> Int {
        guard !query.projectIDs.isEmpty, matched > 0 else { return matched }
        let column = Self.sortColumn(query.sort)
        // The part covered walks the range of the project's sort index the matches came from (no row is read); the
        // project's issues are kept for a few seconds (counted on every request, they put the plain lists' p99 at
        // 9–12 ms instead of 2–3 in bench-api at 100,000 issues).
        let coveredSQL = "SELECT count(*) FROM issues INDEXED BY issues_project_\(column) WHERE project_id = ? "
            + "AND (\(column) > ? OR (\(column) = ? AND id >= ?))"
        let totalSQL = "SELECT count(*) FROM issues WHERE project_id = ?"
        let (covered, total) = try readers.read { db -> (Int, Int) in
            var covered = 0
            var total = 0
            for projectID in query.projectIDs {
                covered += try db.scalarInt(coveredSQL, [projectID, through.value, through.value, through.id]) ?? 0
                total += try issueTotals.value(for: projectID) { try db.scalarInt(totalSQL, [projectID]) ?? 0 }
            }
            return (covered, total)
        }
        guard covered > 0 else { return matched }
        return max(matched, Int((Double(matched) * Double(total) / Double(covered)).rounded()))
    }

    private static func merges(_ query: IssueQuery) -> Bool {
        query.projectIDs.count > 1 && query.projectIDs.count <= mergedProjectsLimit
    }

    public func issues(ids: [Int]) throws -> [Issue] {
        guard !ids.isEmpty else { return [] }
        try settleIssues()
        let found = try readers.read { db in
            try db.rows("SELECT \(IssueRows.columns) FROM issues WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))",
                        ids.map { $0 as any SQLiteBindable }, IssueRows.issue)
        }
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }

    /// How SQLite runs the reads behind an issue list, an issue page and its events (`EXPLAIN QUERY PLAN`), for the
    /// API benchmark's check that they use indexes.
    public func explainIssueReads(_ query: IssueQuery, issueID: Int) throws -> [(read: String, plan: [String])] {
        var listed = query
        // An organization's list runs one project's read per project (`mergedIssueIDs`): that read's plan.
        if Self.merges(query) { listed.projectIDs = [query.projectIDs[0]] }
        let list = try issueListSQL(listed)
        let reads: [(String, String, [any SQLiteBindable])] = [
            ("issue list", list.0, list.1),
            ("issue", "SELECT \(IssueRows.columns) FROM issues WHERE id = ?", [issueID]),
            ("issue events", Self.eventSelect + " JOIN issue_events ie ON ie.event_row = e.id WHERE ie.issue_id = ? "
                + "ORDER BY ie.timestamp DESC, ie.event_row DESC LIMIT ?", [issueID, 50]),
            ("issue stats", Self.statsSQL(issues: 1), [3600.0, 3600.0, issueID, 0.0]),
            ("issue tags", Self.tagSummarySQL, [issueID]),
        ]
        return try readers.read { db in
            try reads.map { name, sql, values in
                (name, try db.rows("EXPLAIN QUERY PLAN " + sql, values) { $0.string(3) ?? "" })
            }
        }
    }

    /// Projects up to which an organization's list reads each project's sort index and merges (`mergedIssueIDs`).
    static let mergedProjectsLimit = 64

    private func issueListSQL(_ query: IssueQuery, columns: String = IssueRows.columns) throws -> (String, [any SQLiteBindable]) {
        var conditions = ["project_id IN (\(query.projectIDs.map { _ in "?" }.joined(separator: ", ")))"]
        var values: [any SQLiteBindable] = query.projectIDs
        if !query.statuses.isEmpty {
            conditions.append("status IN (\(query.statuses.map { _ in "?" }.joined(separator: ", ")))")
            values += query.statuses.map(\.rawValue)
        }
        if let substatus = query.substatus {
            switch substatus {
            case "new":
                conditions.append("status = 'unresolved' AND substatus IS NULL AND first_seen >= ?")
                values.append(Date().timeIntervalSince1970 - 7 * 86_400)
            case "ongoing":
                conditions.append("status = 'unresolved' AND substatus IS NULL AND first_seen < ?")
                values.append(Date().timeIntervalSince1970 - 7 * 86_400)
            default:
                conditions.append("substatus = ?")
                values.append(substatus)
            }
        }
        if let since = query.since {
            conditions.append("last_seen >= ?")
            values.append(since)
        }
        if !query.filters.isEmpty {
            let latest = IssueFilterSQL.needsLatestRelease(query.filters) ? try latestReleases(projectIDs: query.projectIDs) : []
            var filters = IssueFilterSQL(latestReleases: latest)
            filters.textCandidates = try textCandidates(IssueFilterSQL.trigramQueries(query.filters))
            query.filters.forEach { filters.add($0) }
            conditions += filters.conditions
            values += filters.values
        }
        let column = Self.sortColumn(query.sort)
        if let cursor = query.cursor {
            conditions.append("(\(column) < ? OR (\(column) = ? AND id < ?))")
            values += [cursor.value, cursor.value, cursor.id]
        }
        values.append(query.limit)
        let sql = "SELECT \(columns) FROM issues WHERE \(conditions.joined(separator: " AND ")) "
            + "ORDER BY \(column) DESC, id DESC LIMIT ?"
        return (sql, values)
    }

    /// An organization's list over several projects: `project_id IN (…) ORDER BY` cannot read one index in order, so
    /// SQLite sorted every issue of the organization (32–59 ms over 20 projects of 5,000 issues, 82–127 ms with a tag
    /// filter, for the first page's 1,000 ids). Instead each project's issues are read along its own sort index, a
    /// batch at a time, and merged: a project is read further only while its last row read still ranks within the
    /// `limit` merged so far, so the reads come to about `limit` rows plus a batch a project.
    private func mergedIssueIDs(_ query: IssueQuery) throws -> [Int] {
        struct Row {
            var value: Double
            var id: Int
            func precedes(_ other: Row) -> Bool { value > other.value || (value == other.value && id > other.id) }
        }
        let batch = max(25, 2 * query.limit / max(1, query.projectIDs.count))
        // One statement for every project and batch: the cursor is always there (from above every value at first),
        // its three values just before the limit (`issueListSQL`), and the project id first.
        var one = query
        one.projectIDs = [query.projectIDs[0]]
        one.limit = batch
        one.cursor = query.cursor ?? IssueCursor(value: .infinity, id: .max)
        let (sql, template) = try issueListSQL(one, columns: "id, " + Self.sortColumn(query.sort))
        return try readers.read { db in
            var fetched: [Int: [Row]] = [:]
            var more = Set(query.projectIDs)
            var after: [Int: Row] = [:]
            var merged: [Row] = []
            while !more.isEmpty {
                for projectID in more.sorted() {
                    var values = template
                    values[0] = projectID
                    // The next batch starts after the project's last row read.
                    if let last = after[projectID] {
                        values.replaceSubrange(values.count - 4..<values.count - 1, with: [last.value, last.value, last.id] as [any SQLiteBindable])
                    }
                    let rows = try db.rows(sql, values) { Row(value: $0.double(1), id: $0.int(0)) }
                    fetched[projectID, default: []] += rows
                    if let last = rows.last { after[projectID] = last }
                    if rows.count < batch { more.remove(projectID) }
                }
                merged = fetched.values.flatMap { $0 }.sorted { $0.precedes($1) }
                if merged.count > query.limit { merged.removeLast(merged.count - query.limit) }
                // A project may hold more of the first `limit` only if its last row read ranks before the last kept.
                let boundary = merged.count == query.limit ? merged.last : nil
                more = more.filter { p in boundary.map { after[p]?.precedes($0) ?? true } ?? true }
            }
            return merged.map(\.id)
        }
    }

    static func sortColumn(_ sort: IssueQuery.Sort) -> String {
        switch sort {
        case .date: "last_seen"
        case .new: "first_seen"
        case .freq: "times_seen"
        case .user: "user_count"
        }
    }

    /// Each free-text query's matches in the trigram index: their ids when fewer than `textCandidateLimit`, nil
    /// when more (see `IssueFilterSQL.candidateLimit`).
    private func textCandidates(_ queries: [String]) throws -> [String: [Int]?] {
        guard !queries.isEmpty else { return [:] }
        return try readers.read { db in
            var found: [String: [Int]?] = [:]
            for q in queries where found[q] == nil {
                let ids = try db.rows("SELECT rowid FROM issue_text WHERE issue_text MATCH ? LIMIT ?",
                                      [q, textCandidateLimit]) { $0.int(0) }
                found[q] = ids.count < textCandidateLimit ? ids : nil
            }
            return found
        }
    }

    /// The newest release (by first appearance) of each project that has one.
    private func latestReleases(projectIDs: [Int]) throws -> [String] {
        try readers.read { db in
            try projectIDs.compactMap { id in
                try db.first("SELECT version FROM releases WHERE project_id = ? ORDER BY id DESC LIMIT 1", [id]) { $0.string(0) } ?? nil
            }
        }
    }

    public func issueStats(issueIDs: [Int], since: Double, bucketSeconds: Double) throws -> [Int: [Int: Int]] {
        guard !issueIDs.isEmpty else { return [:] }
        try settleIssues()
        var values: [any SQLiteBindable] = [bucketSeconds, bucketSeconds]
        values += issueIDs
        values.append((since / 3600).rounded(.down) * 3600)
        let rows = try readers.read { db in
            try db.rows(Self.statsSQL(issues: issueIDs.count), values) { ($0.int(0), $0.int(1), $0.int(2)) }
        }
        var result: [Int: [Int: Int]] = [:]
        for (issue, bucket, count) in rows { result[issue, default: [:]][bucket] = count }
        return result
    }

    /// Per issue and bucket (an hour or a day: whole hours), from the hourly counts.
    static func statsSQL(issues: Int) -> String {
        """
        SELECT issue_id, CAST(hour / ? AS INTEGER) * ?, sum(count) FROM issue_hours
        WHERE issue_id IN (\(Array(repeating: "?", count: issues).joined(separator: ", "))) AND hour >= ? GROUP BY 1, 2
        """
    }

    static let tagSummarySQL = """
        SELECT key, value, times_seen, first_seen, last_seen FROM issue_tags
        WHERE issue_id = ? ORDER BY key, times_seen DESC, value
        """

    public func project(id: Int) throws -> Project? {
        try projects(organizationSlug: nil).first { $0.id == id }
    }

    public func issueEvents(issueID: Int, oldestFirst: Bool, limit: Int, afterRowID: Int?) throws -> [StoredEvent] {
        try settleIssues()
        let order = oldestFirst ? "ASC" : "DESC"
        var sql = Self.eventSelect + " JOIN issue_events ie ON ie.event_row = e.id WHERE ie.issue_id = ?"
        var values: [any SQLiteBindable] = [issueID]
        if let afterRowID {
            sql += oldestFirst ? " AND ie.event_row > ?" : " AND ie.event_row < ?"
            values.append(afterRowID)
        }
        sql += " ORDER BY ie.timestamp \(order), ie.event_row \(order) LIMIT ?"
        values.append(limit)
        let rows = try readers.read { db in try db.rows(sql, values, Self.eventRow) }
        return try rows.map(Self.storedEvent)
    }

    public func issueTagValues(issueID: Int, key: String, limit: Int) throws -> [TagValueCount] {
        try settleIssues()
        return try readers.read { db in
            try db.rows("""
                SELECT key, value, times_seen, first_seen, last_seen FROM issue_tags
                WHERE issue_id = ? AND key = ? ORDER BY times_seen DESC, value LIMIT ?
                """, [issueID, key, limit], Self.tagValue)
        }
    }

    public func issueTagSummary(issueID: Int, topValues: Int) throws -> [(key: String, total: Int, distinct: Int, top: [TagValueCount])] {
        try settleIssues()
        return try readers.read { db in
            let all = try db.rows(Self.tagSummarySQL, [issueID], Self.tagValue)
            var result: [(key: String, total: Int, distinct: Int, top: [TagValueCount])] = []
            for value in all {
                if result.last?.key != value.key { result.append((value.key, 0, 0, [])) }
                result[result.count - 1].total += value.count
                result[result.count - 1].distinct += 1
                if result[result.count - 1].top.count < topValues { result[result.count - 1].top.append(value) }
            }
            return result
        }
    }

    private static func tagValue(_ r: SQLiteRow) -> TagValueCount {
        TagValueCount(key: r.string(0) ?? "", value: r.string(1) ?? "", count: r.int(2), firstSeen: r.double(3),
                      lastSeen: r.double(4))
    }

    public func issueActivity(issueID: Int) throws -> [IssueActivity] {
        try readers.read { db in
            try db.rows("""
                SELECT id, issue_id, type, data, actor, created_at FROM issue_activity WHERE issue_id = ? ORDER BY id DESC
                """, [issueID]) { r in
                IssueActivity(id: r.int(0), issueID: r.int(1), type: r.string(2) ?? "", data: r.string(3) ?? "{}",
                              actor: r.string(4), createdAt: r.double(5))
            }
        }
    }

    public func groupHash(projectID: Int, hash: String) throws -> GroupHashRecord? {
        try readers.read { db in
            try db.first("""
                SELECT hash, issue_id, strategy, variant, components FROM grouphashes WHERE project_id = ? AND hash = ?
                """, [projectID, hash]) { r in
                GroupHashRecord(hash: r.string(0) ?? "", issueID: r.int(1), strategy: r.string(2) ?? "",
                                variant: r.string(3) ?? "", components: r.string(4) ?? "{}")
            }
        }
    }

    public func changeIssueStatus(issueID: Int, _ change: IssueStatusChange) throws -> Issue? {
        let now = Date().timeIntervalSince1970
        return try writer.sync { [issueWriter] db in try issueWriter.change(issueID: issueID, to: change, at: now, db) }
    }

    public func expireIgnoredIssues(now: Double) throws -> Int {
        try writer.sync { [issueWriter] db in try issueWriter.expireIgnores(at: now, db) }
    }
}

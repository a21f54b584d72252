import SQLite

/// Reading `issues` rows, shared by the writer's state and the read side.
enum IssueRows {
    static let columns = """
        id, project_id, short_number, type, title, culprit, exception_type, exception_value, filename, function,
        level, platform, first_seen, last_seen, times_seen, user_count, first_release, last_release, is_unhandled,
        status, substatus, status_details, resolved_at
        """

    static func issue(_ r: SQLiteRow) -> Issue {
        Issue(id: r.int(0), projectID: r.int(1), shortNumber: r.int(2), type: r.string(3) ?? "error",
              title: r.string(4) ?? "", culprit: r.string(5) ?? "", exceptionType: r.string(6),
              exceptionValue: r.string(7), filename: r.string(8), function: r.string(9), level: r.string(10) ?? "error",
              platform: r.string(11), firstSeen: r.double(12), lastSeen: r.double(13), timesSeen: r.int(14),
              userCount: r.int(15), firstRelease: r.string(16), lastRelease: r.string(17), isUnhandled: r.int(18) != 0,
              status: IssueStatus(rawValue: r.string(19) ?? "") ?? .unresolved, substatus: r.string(20),
              statusDetails: StatusDetails(json: r.string(21)), resolvedAt: r.isNull(22) ? nil : r.double(22))
    }

    static func load(_ db: SQLiteDatabase, id: Int) throws -> Issue? {
        try db.first("SELECT \(columns) FROM issues WHERE id = ?", [id], issue)
    }

    /// Writes what changes other than by counting: text, status, whether any event was unhandled. Counters are
    /// written by the aggregate flush.
    static func saveState(_ db: SQLiteDatabase, _ i: Issue) throws {
        try db.run("""
            UPDATE issues SET title = ?, culprit = ?, exception_type = ?, exception_value = ?, filename = ?, function = ?,
                is_unhandled = ?, status = ?, substatus = ?, status_details = ?, resolved_at = ?
            WHERE id = ?
            """, [i.title, i.culprit, i.exceptionType, i.exceptionValue, i.filename, i.function, i.isUnhandled ? 1 : 0,
                  i.status.rawValue, i.substatus, i.statusDetails.json, i.resolvedAt, i.id])
    }

    /// Writes what counting events changes.
    static func saveCounters(_ db: SQLiteDatabase, _ i: Issue) throws {
        try db.run("""
            UPDATE issues SET level = ?, first_seen = ?, last_seen = ?, times_seen = ?, user_count = ?, first_release = ?,
                last_release = ?
            WHERE id = ?
            """, [i.level, i.firstSeen, i.lastSeen, i.timesSeen, i.userCount, i.firstRelease, i.lastRelease, i.id])
    }

    static func addActivity(_ db: SQLiteDatabase, issueID: Int, type: String, data: String = "{}", actor: String? = nil,
                            at time: Double) throws {
        try db.run("INSERT INTO issue_activity (issue_id, type, data, actor, created_at) VALUES (?, ?, ?, ?, ?)",
                   [issueID, type, data, actor, time])
    }
}

extension Issue {
    /// This issue's stored columns with the counters of `other` (the same issue, counted further in memory).
    func withCounters(of other: Issue) -> Issue {
        var issue = self
        issue.level = other.level
        issue.firstSeen = other.firstSeen
        issue.lastSeen = other.lastSeen
        issue.timesSeen = other.timesSeen
        issue.userCount = other.userCount
        issue.firstRelease = other.firstRelease
        issue.lastRelease = other.lastRelease
        return issue
    }
}

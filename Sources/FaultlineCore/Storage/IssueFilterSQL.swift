import SQLite

/// Issue search filters as SQL conditions over `issues` (tags through `issue_tags`, whose key starts with the
/// issue id, so each is an index probe per candidate issue).
struct IssueFilterSQL {
    /// The newest release of each searched project, for `release:latest`.
    var latestReleases: [String]
    /// What the trigram index found for each free-text query (`trigramQuery`), looked up before the SQL is built:
    /// the matching issue ids when they are few, nil when they are many (absent counts as many).
    var textCandidates: [String: [Int]?] = [:]
    var conditions: [String] = []
    var values: [any SQLiteBindable] = []

    /// Free-text matches up to which the list reads the candidates by id and sorts them; from there on the
    /// matches are dense enough that reading the sort's index in order and testing each issue's text finds a
    /// page sooner. Timed on 100,000 issues: 11,111 candidates took 21 ms to fetch and sort (so ~15 ms at this
    /// bound), and with 8,000 matches a list of 1,000 is found within ~12,500 issues of the index (11,400 took
    /// 13 ms).
    static let candidateLimit = 8000

    mutating func add(_ filter: IssueFilter) {
        switch filter {
        case .tag(let key, let matches, let negated):
            let (match, matchValues) = self.match("t.value", matches)
            conditions.append("\(negated ? "NOT " : "")EXISTS (SELECT 1 FROM issue_tags t WHERE t.issue_id = issues.id AND t.key = ? AND (\(match)))")
            values.append(key)
            values += matchValues
        case .anyOf(let filters, let negated):
            var inner = IssueFilterSQL(latestReleases: latestReleases, textCandidates: textCandidates)
            filters.forEach { inner.add($0) }
            let joined = inner.conditions.isEmpty ? "0" : inner.conditions.map { "(\($0))" }.joined(separator: " OR ")
            conditions.append(negated ? "NOT (\(joined))" : "(\(joined))")
            values += inner.values
        case .has(let key, let negated):
            conditions.append("\(negated ? "NOT " : "")EXISTS (SELECT 1 FROM issue_tags t WHERE t.issue_id = issues.id AND t.key = ?)")
            values.append(key)
        case .firstRelease(let matches, let negated):
            let (match, matchValues) = self.match("first_release", matches)
            conditions.append(negated ? "(first_release IS NULL OR NOT (\(match)))" : "(\(match))")
            values += matchValues
        case .level(let matches, let negated):
            let (match, matchValues) = self.match("level", matches)
            conditions.append(negated ? "NOT (\(match))" : "(\(match))")
            values += matchValues
        case .count(let field, let comparison, let n):
            conditions.append("\(field.rawValue) \(comparison.rawValue) ?")
            values.append(n)
        case .date(let field, let comparison, let time):
            conditions.append("\(field.rawValue) \(comparison.rawValue) ?")
            values.append(time)
        case .unhandled(let flag):
            conditions.append("is_unhandled = ?")
            values.append(flag ? 1 : 0)
        case .assigned(let userID, let negated):
            if let userID {
                conditions.append(negated ? "(assigned_to IS NULL OR assigned_to != ?)" : "assigned_to = ?")
                values.append(userID)
            } else {
                conditions.append(negated ? "assigned_to IS NULL" : "assigned_to IS NOT NULL")
            }
        case .bookmarkedBy(let userID):
            conditions.append("EXISTS (SELECT 1 FROM issue_bookmarks b WHERE b.user_id = ? AND b.issue_id = issues.id)")
            values.append(userID)
        case .text(let match):
            let pattern = Self.likePattern(match)
            let like = "(title LIKE ? ESCAPE '\\' OR culprit LIKE ? ESCAPE '\\')"
            if let trigrams = Self.trigramQuery(match), let found = textCandidates[trigrams], let ids = found {
                // The trigram index named the few candidates; the LIKE keeps its exact meaning (the index folds
                // case beyond ASCII and does not see the order of `*`-separated runs).
                conditions.append("(id IN (SELECT value FROM json_each(?)) AND \(like))")
                values.append("[" + ids.map(String.init).joined(separator: ",") + "]")
            } else {
                // Many matches, or no run long enough for a trigram: the LIKE along the sort's index finds a page soon.
                conditions.append(like)
            }
            values += [pattern, pattern]
        }
    }

    /// `column` matching any of `matches`: equality, a LIKE pattern, or the latest release.
    private func match(_ column: String, _ matches: [TextMatch]) -> (String, [any SQLiteBindable]) {
        var parts: [String] = []
        var values: [any SQLiteBindable] = []
        for m in matches {
            switch m {
            case .exact(let v):
                parts.append("\(column) = ?")
                values.append(v)
            case .pattern(let p):
                parts.append("\(column) LIKE ? ESCAPE '\\'")
                values.append(Self.likePattern(.pattern(p), anchored: true))
            case .latestRelease:
                if latestReleases.isEmpty {
                    parts.append("0")
                } else {
                    parts.append("\(column) IN (\(latestReleases.map { _ in "?" }.joined(separator: ", ")))")
                    values += latestReleases.map { $0 as any SQLiteBindable }
                }
            }
        }
        return (parts.isEmpty ? "0" : parts.joined(separator: " OR "), values)
    }

    /// A LIKE pattern: `*` is any run of characters; `%`, `_` and `\` match themselves. Free text (not anchored)
    /// matches anywhere.
    static func likePattern(_ match: TextMatch, anchored: Bool = false) -> String {
        let raw: String
        switch match {
        case .exact(let v): raw = v
        case .pattern(let p): raw = p
        case .latestRelease: raw = "latest"
        }
        let escaped = raw.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        let wild = match == .latestRelease ? escaped : escaped.replacingOccurrences(of: "*", with: "%")
        return anchored ? wild : "%" + wild + "%"
    }

    /// The full-text query that finds free text's candidates in `issue_text`: each run of three or more characters
    /// between `*`s as a quoted phrase, i.e. those trigrams in a row, which is the run as a substring in any case.
    /// Nil when no run is that long: trigrams cannot narrow such a search, and the LIKE alone decides.
    static func trigramQuery(_ match: TextMatch) -> String? {
        let raw: String
        switch match {
        case .exact(let v): raw = v
        case .pattern(let p): raw = p
        case .latestRelease: return nil
        }
        // A NUL would end the query string where FTS5 reads it: such text goes by the LIKE alone.
        guard !raw.utf8.contains(0) else { return nil }
        let runs = match == .exact(raw) ? [Substring(raw)] : raw.split(separator: "*")
        let phrases = runs.filter { $0.unicodeScalars.count >= 3 }
            .map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return phrases.isEmpty ? nil : phrases.joined(separator: " AND ")
    }

    /// The trigram queries of the free text in `filters`, to look up before building the SQL.
    static func trigramQueries(_ filters: [IssueFilter]) -> [String] {
        filters.flatMap { filter -> [String] in
            switch filter {
            case .text(let match): trigramQuery(match).map { [$0] } ?? []
            case .anyOf(let inner, _): trigramQueries(inner)
            default: []
            }
        }
    }

    static func needsLatestRelease(_ filters: [IssueFilter]) -> Bool {
        filters.contains { filter in
            switch filter {
            case .tag(_, let m, _), .firstRelease(let m, _), .level(let m, _): m.contains(.latestRelease)
            case .anyOf(let inner, _): needsLatestRelease(inner)
            default: false
            }
        }
    }
}

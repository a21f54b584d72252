import Foundation
import Testing
@testable import FaultlineCore
@testable import SQLite
import SentryProtocol

/// Free text in the issue list goes through the trigram index (few matches: their ids; many: the LIKE along the
/// sort's index). Whichever way a query goes, it must find exactly what the plain reference query finds: a LIKE over
/// every issue of the project, in the list's order.
@Suite struct IssueTextSearchTests {
    static let titles: [(type: String, value: String, function: String)] = [
        ("KeyError", "'sku-4242'", "checkout"),
        ("KeyError", "'SKU-4243'", "checkout_cart"),
        ("ValueError", "100% done_ok", "refund"),
        ("ValueError", "100 percent done ok", "refund_all"),
        ("TypeError", "naïve café Ünïcode", "render"),
        ("OSError", "\"quoted\" path /tmp/x", "save"),
        ("ZeroDivisionError", "division by zero", "ratio"),
        ("AttributeError", "'NoneType' object has no attribute 'id'", "load_user"),
        ("RuntimeError", "a*b wildcard in text", "glob_star"),
        ("PermissionError", "back\\slash and under_score", "perm"),
        ("KeyError", "'sku-4242'", "other_checkout"),
        ("LookupError", "日本語のエラー", "lookup"),
        // A NUL ends the title for LIKE and for the index alike; the culprit after it is still found.
        ("KeyError", "before\u{0}after-nul", "after_nul_culprit"),
    ]

    static let searches = [
        "sku-4242", "SKU-4242", "sku", "100%", "done_ok", "_ok", "%", "café", "CAFÉ", "naïve", "\"quoted\"", "quoted",
        "sku*4242", "sku*", "*4242", "a*b", "Error", "error", "ey", "k", "'", "back\\slash", "under_score", "日本語",
        "エラー", "NoneType object", "'NoneType' object", "checkout", "cart", "zzz-nothing", "  spaced  ", "\"",
        "sku\u{0}4242", "after-nul", "after_nul_culprit", "before", "title:sku", "culprit:checkout", "NEAR(sku 4242)", "sku OR 4242", "^sku", "sku-4242*", "**", "***sku***",
    ]

    private func harness(candidateLimit: Int) throws -> Harness {
        var options = SQLiteStore.Options()
        options.textCandidateLimit = candidateLimit
        let h = try Harness(options: options)
        for t in Self.titles { try h.event(pythonError(t.type, t.value, function: t.function)) }
        return h
    }

    /// The list as the plain query gives it: every issue of the project tested with LIKE, no index.
    private func reference(_ h: Harness, _ text: String, sort: IssueQuery.Sort) throws -> [Int] {
        let pattern = IssueFilterSQL.likePattern(TextMatch(text))
        let column = switch sort {
        case .date: "last_seen"
        case .new: "first_seen"
        case .freq: "times_seen"
        case .user: "user_count"
        }
        let db = try SQLiteDatabase(path: h.store.path)
        return try db.rows("""
            SELECT id FROM issues NOT INDEXED WHERE project_id = ? AND (title LIKE ? ESCAPE '\\' OR culprit LIKE ? ESCAPE '\\')
            ORDER BY \(column) DESC, id DESC
            """, [h.projectID, pattern, pattern]) { $0.int(0) }
    }

    @Test(arguments: [1000, 1])
    func everySearchFindsWhatThePlainQueryFinds(candidateLimit: Int) throws {
        // 1000: every search reads its few candidates by id; 1: every search counts as common and goes by LIKE.
        let h = try harness(candidateLimit: candidateLimit)
        for text in Self.searches {
            for sort in [IssueQuery.Sort.date, .freq] {
                var query = IssueQuery(projectID: h.projectID)
                query.sort = sort
                query.filters = [.text(TextMatch(text))]
                let found = try h.store.issues(query).map(\.id)
                let expected = try reference(h, text, sort: sort)
                #expect(found == expected, "\(text) by \(sort)")
            }
        }
        // The searches are not vacuous: some find one issue, some several, some none.
        let counts = try Self.searches.map { try reference(h, $0, sort: .date).count }
        #expect(counts.contains(0) && counts.contains(1) && counts.contains { $0 > 2 })
    }

    @Test func theIndexFollowsRenamesAndDeletions() throws {
        let h = try harness(candidateLimit: 1000)
        var query = IssueQuery(projectID: h.projectID)
        query.filters = [.text(.exact("division by zero"))]
        let issue = try #require(try h.store.issues(query).first)
        let db = try SQLiteDatabase(path: h.store.path)
        try db.run("UPDATE issues SET title = 'ZeroDivisionError: float division' WHERE id = ?", [issue.id])
        #expect(try h.store.issues(query).isEmpty)
        query.filters = [.text(.exact("float division"))]
        #expect(try h.store.issues(query).map(\.id) == [issue.id])
        // A deleted issue stays as a tombstone outside every project: no list finds it any more.
        #expect(try h.store.deleteIssues(projectID: h.projectID, issueIDs: [issue.id]) == 1)
        #expect(try h.store.issues(query).isEmpty)
        // Rows that do go (a project's purge) take their text with them.
        try db.run("DELETE FROM issues WHERE id = ?", [issue.id])
        #expect(try db.scalarInt("SELECT count(*) FROM issue_text WHERE rowid = \(issue.id)") == 0)
    }

    @Test func trigramQueriesQuoteTheirRuns() {
        #expect(IssueFilterSQL.trigramQuery(.exact("say \"hi\" now")) == "\"say \"\"hi\"\" now\"")
        #expect(IssueFilterSQL.trigramQuery(.pattern("sku*4242*x")) == "\"sku\" AND \"4242\"")
        #expect(IssueFilterSQL.trigramQuery(.exact("ab")) == nil, "too short for a trigram")
        #expect(IssueFilterSQL.trigramQuery(.pattern("a*b")) == nil)
        #expect(IssueFilterSQL.trigramQuery(.exact("日本語")) == "\"日本語\"")
        #expect(IssueFilterSQL.trigramQuery(.exact("nul\u{0}byte")) == nil)
    }
}

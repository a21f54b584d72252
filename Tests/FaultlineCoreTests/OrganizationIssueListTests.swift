import Foundation
import Testing
@testable import FaultlineCore
@testable import SQLite

/// An organization's issue list reads each project's sort index and merges the pages. Whatever the sort, filter
/// and cursor, it must list exactly what the list of each project gives, merged in the list's order.
@Suite struct OrganizationIssueListTests {
    /// Three projects of issues with many equal sort values (so the id decides) and a tag on some.
    private func harness() throws -> (Harness, [Int]) {
        let h = try Harness()
        var projects = [h.projectID]
        for n in 1...2 {
            projects.append(try h.store.createProject(organizationID: h.bootstrap.organization.id, slug: "p\(n)",
                                                      name: "P\(n)", platform: "python").id)
        }
        try h.store.writer.sync { db in
            for i in 0..<90 {
                let project = projects[i % 3]
                try db.run("""
                    INSERT INTO issues (project_id, short_number, type, title, culprit, level, first_seen, last_seen, times_seen,
                                        user_count, is_unhandled, status, status_details)
                    VALUES (?, ?, 'error', ?, 'app in run', 'error', ?, ?, ?, ?, 0, ?, '{}')
                    """, [project, 1000 + i, "Error \(i % 7) in job", Double(i % 11), Double(1000 + i % 13), i % 5, i % 4,
                          i % 6 == 0 ? "resolved" : "unresolved"])
                if i % 3 == 1 {
                    try db.run("INSERT INTO issue_tags (issue_id, key, value, times_seen, first_seen, last_seen) VALUES (?, 'tenant', 'acme', 1, 0, 0)",
                               [Int(db.lastInsertRowID)])
                }
            }
        }
        return (h, projects)
    }

    private func key(_ issue: FaultlineCore.Issue, _ sort: IssueQuery.Sort) -> Double {
        switch sort {
        case .date: issue.lastSeen
        case .new: issue.firstSeen
        case .freq: Double(issue.timesSeen)
        case .user: Double(issue.userCount)
        }
    }

    @Test func mergedPagesMatchEachProjectsList() throws {
        let (h, projects) = try harness()
        let searches: [(statuses: [IssueStatus], filters: [IssueFilter])] = [
            ([], []), ([.unresolved], []), ([], [.tag(key: "tenant", values: [TextMatch("acme")], negated: false)]),
            ([.unresolved], [.text(TextMatch("Error 3"))]),
        ]
        for search in searches {
            for sort in [IssueQuery.Sort.date, .new, .freq, .user] {
                // The reference: every project's whole list, merged by (sort value, id) descending.
                var expected: [FaultlineCore.Issue] = []
                for project in projects {
                    var q = IssueQuery(projectID: project)
                    q.statuses = search.statuses
                    q.filters = search.filters
                    q.sort = sort
                    q.limit = 1000
                    expected += try h.store.issues(q)
                }
                expected.sort { (key($0, sort), $0.id) > (key($1, sort), $1.id) }
                // The organization's list, page by page through its cursors.
                var found: [Int] = []
                var query = IssueQuery(projectIDs: projects)
                query.statuses = search.statuses
                query.filters = search.filters
                query.sort = sort
                query.limit = 7
                while true {
                    let page = try h.store.issues(query)
                    found += page.map(\.id)
                    guard page.count == query.limit, let last = page.last else { break }
                    query.cursor = IssueCursor(value: key(last, sort), id: last.id)
                }
                #expect(found == expected.map(\.id), "\(search.statuses) \(search.filters.count) filters by \(sort)")
                // The ids alone (what bulk changes select) come in the same order.
                query.cursor = nil
                #expect(try h.store.issueIDs(query) == Array(expected.prefix(7).map(\.id)))
            }
        }
        // Not vacuous: the plain search spans all three projects.
        var all = IssueQuery(projectIDs: projects)
        all.limit = 200
        let everything = try h.store.issues(all)
        #expect(Set(everything.map(\.projectID)) == Set(projects) && everything.count == 90)
    }

    @Test func eachProjectsReadFollowsItsSortIndex() throws {
        let (h, projects) = try harness()
        var query = IssueQuery(projectIDs: projects)
        query.sort = .freq
        let plan = try h.store.explainIssueReads(query, issueID: 1).first { $0.read == "issue list" }?.plan ?? []
        // The read run for each project goes along that project's sort index: nothing sorted, nothing scanned.
        #expect(plan.contains { $0.contains("USING INDEX issues_project_times_seen") }, "\(plan)")
        #expect(!plan.contains { $0.contains("SCAN issues") || $0.contains("TEMP B-TREE") }, "\(plan)")
    }

    /// Past the bound a list is read to, the count is estimated from the match rate over the part of the list the
    /// matches read so far cover: with matches spread evenly, close to the exact count.
    @Test func countsPastTheBoundAreEstimated() throws {
        let h = try Harness()
        let other = try h.store.createProject(organizationID: h.bootstrap.organization.id, slug: "other", name: "Other", platform: nil).id
        let projects = [h.projectID, other]
        try h.store.writer.sync { db in
            for i in 0..<4500 {
                try db.run("""
                    INSERT INTO issues (project_id, short_number, type, title, culprit, level, first_seen, last_seen, times_seen,
                                        user_count, is_unhandled, status, status_details)
                    VALUES (?, ?, 'error', 'E', 'c', 'error', 0, ?, ?, 0, 0, 'unresolved', '{}')
                    """, [projects[i % 2], i + 1, Double(i), (i * 7919) % 4500])
                if i % 3 == 0 {
                    try db.run("INSERT INTO issue_tags (issue_id, key, value, times_seen, first_seen, last_seen) VALUES (?, 'tenant', 'acme', 1, 0, 0)",
                               [Int(db.lastInsertRowID)])
                }
            }
        }
        for sort in [IssueQuery.Sort.date, .freq] {
            var query = IssueQuery(projectIDs: projects)
            query.filters = [.tag(key: "tenant", values: [TextMatch("acme")], negated: false)]
            query.sort = sort
            query.limit = 1000
            let ids = try h.store.issueIDs(query)
            #expect(ids.count == 1000)
            let last = try #require(try h.store.issues(ids: [ids[999]]).first)
            let estimate = try h.store.issueCountEstimate(query, matched: 1000,
                                                          through: IssueCursor(value: key(last, sort), id: last.id))
            // 1,500 issues carry the tag.
            #expect(abs(estimate - 1500) <= 75, "\(sort): \(estimate)")
        }
        // A filter nothing matches lists nothing across the projects (the count the endpoint then gives is exact: 0).
        var few = IssueQuery(projectIDs: projects)
        few.filters = [.tag(key: "tenant", values: [TextMatch("nobody")], negated: false)]
        #expect(try h.store.issueIDs(few).isEmpty)
    }
}

import Foundation
import Testing
@testable import FaultlineCore
@testable import SQLite
import SentryProtocol

@Suite struct IssueDeletionTests {
    private func count(_ db: SQLiteDatabase, _ sql: String) throws -> Int { try db.scalarInt(sql) ?? -1 }

    @Test func deletingAnIssueRemovesItsEventsAndDataButNotOthers() throws {
        let h = try Harness()
        var doomedIDs: [String] = []
        for i in 0..<5 {
            doomedIDs.append(try h.event(pythonError("KeyError", "'k\(i)'", function: "checkout", user: "u\(i)", release: "1.0")).hex)
        }
        let kept = try h.event(pythonError("ValueError", "v", function: "refund", user: "u9"))
        let all = try h.store.issues(IssueQuery(projectID: h.projectID))
        let doomed = try #require(all.first { $0.culprit.contains("checkout") })
        let other = try #require(all.first { $0.culprit.contains("refund") })
        let db = try SQLiteDatabase(path: h.store.path)
        let payloadsBefore = try count(db, "SELECT count(*) FROM payloads")

        #expect(try h.store.deleteIssues(projectID: h.projectID + 1, issueIDs: [doomed.id]) == 0, "another project's id")
        #expect(try h.store.deleteIssues(projectID: h.projectID, issueIDs: [doomed.id, doomed.id]) == 1)

        #expect(try h.store.issue(id: doomed.id)?.projectID == 0, "a tombstone outside every project")
        #expect(try h.store.issues(IssueQuery(projectID: h.projectID)).map(\.id) == [other.id])
        for hex in doomedIDs {
            #expect(try h.store.event(projectID: h.projectID, eventID: try #require(EventID(hex))) == nil)
        }
        #expect(try h.store.event(projectID: h.projectID, eventID: kept) != nil)
        #expect(try count(db, "SELECT count(*) FROM events") == 1)
        #expect(try count(db, "SELECT count(*) FROM event_ids") == 1)
        #expect(try count(db, "SELECT count(*) FROM issue_events WHERE issue_id = \(doomed.id)") == 0)
        #expect(try count(db, "SELECT count(*) FROM issue_tags WHERE issue_id = \(doomed.id)") == 0)
        #expect(try count(db, "SELECT count(*) FROM issue_hours WHERE issue_id = \(doomed.id)") == 0)
        #expect(try count(db, "SELECT sum(count) FROM issue_hours WHERE issue_id = \(other.id)") == 1)
        #expect(try count(db, "SELECT count(*) FROM grouphashes WHERE issue_id = \(doomed.id)") == 0)
        #expect(try count(db, "SELECT count(*) FROM payloads") == payloadsBefore - 5, "bodies no event points at are gone")
        #expect(try h.store.issueTagValues(issueID: other.id, key: "user", limit: 10).map(\.value) == ["id:u9"])

        // The same error again is a new issue with a new id; the writer kept nothing of the old one.
        try h.event(pythonError("KeyError", "'again'", function: "checkout", user: "u0", release: "1.0"))
        let again = try #require(try h.store.issues(IssueQuery(projectID: h.projectID)).first { $0.culprit.contains("checkout") })
        #expect(again.id > doomed.id)
        #expect(again.timesSeen == 1 && again.userCount == 1)
    }

    /// Deleting the newest events must not let their ids be given out below the recovery mark: the next events'
    /// counts would be lost in a crash.
    @Test func eventsAfterADeletionAreStillRecoveredAfterACrash() throws {
        let h = try Harness()
        try h.event(pythonError("ValueError", "v", function: "refund"))
        try h.event(pythonError("KeyError", "k", function: "checkout"))
        let doomed = try #require(try h.store.issues(IssueQuery(projectID: h.projectID)).first { $0.culprit.contains("checkout") })
        _ = try h.store.deleteIssues(projectID: h.projectID, issueIDs: [doomed.id])
        try h.event(pythonError("TypeError", "t", function: "cart"))
        h.store.close()
        let db = try SQLiteDatabase(path: h.store.path)
        // The crash: the last event's counts and index rows never written.
        let last = try #require(try db.scalarInt("SELECT max(id) FROM events"))
        try db.execute("""
            DELETE FROM issue_events WHERE event_row = \(last);
            DELETE FROM event_ids WHERE event_row = \(last);
            UPDATE issues SET times_seen = 0 WHERE id = (SELECT issue_id FROM events WHERE id = \(last));
            UPDATE settings SET value = '\(last - 1)' WHERE key = '\(IssueAggregates.watermarkKey)';
            """)
        let mark = try IssueAggregates.watermark(db)
        #expect(mark < last)
        let reopened = try SQLiteStore(directory: (h.store.path as NSString).deletingLastPathComponent)
        #expect(reopened.recountedEvents == 1)
        #expect(try reopened.issues(IssueQuery(projectID: h.projectID)).first { $0.culprit.contains("cart") }?.timesSeen == 1)
        reopened.close()
    }

    @Test func triageIsPerUserAndAssignmentsAreLogged() throws {
        let h = try Harness()
        try h.event(pythonError("KeyError", "k", function: "checkout"))
        let issue = try h.onlyIssue()
        let org = h.bootstrap.organization.id
        let owner = try #require(try h.store.members(organizationID: org).first).user
        let (dev, _) = try UserCreation.create(email: "dev@example.com", name: nil, password: nil, role: .member,
                                               organizationID: org, store: h.store, passwordCost: 10)
        var change = IssueTriageChange()
        change.bookmarked = true
        change.seen = true
        change.assignment = .user(dev.user.id)
        try h.store.changeIssueTriage(issueID: issue.id, userID: owner.id, change, at: issue.lastSeen)
        let mine = try #require(try h.store.issueTriage(issueIDs: [issue.id], userID: owner.id)[issue.id])
        #expect(mine.isBookmarked && mine.hasSeen(issue) && mine.assignee?.email == "dev@example.com")
        let theirs = try #require(try h.store.issueTriage(issueIDs: [issue.id], userID: dev.user.id)[issue.id])
        #expect(!theirs.isBookmarked && !theirs.hasSeen(issue) && theirs.assignee?.id == dev.user.id)
        // A newer event makes it unseen.
        try h.event(pythonError("KeyError", "k", function: "checkout"))
        let newer = try h.onlyIssue()
        #expect(try h.store.issueTriage(issueIDs: [issue.id], userID: owner.id)[issue.id]?.hasSeen(newer) == false)

        var unassign = IssueTriageChange()
        unassign.assignment = .nobody
        try h.store.changeIssueTriage(issueID: issue.id, userID: owner.id, unassign, at: 1)
        try h.store.changeIssueTriage(issueID: issue.id, userID: owner.id, unassign, at: 2)
        #expect(try h.store.issueActivity(issueID: issue.id).map(\.type) == ["unassigned", "assigned", "first_seen"], "newest first")
        #expect(try h.store.issueTriage(issueIDs: [issue.id], userID: nil)[issue.id]?.assignee == nil)
    }
}

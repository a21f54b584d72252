import Foundation
import Testing
@testable import FaultlineCore
@testable import SQLite

@Suite struct ProjectDeletionTests {
    @Test func aDeletedProjectLeavesAtOnceAndItsRowsGoInTheBackground() throws {
        let h = try Harness()
        let org = h.bootstrap.organization
        let (other, otherKey) = try ProjectCreation.create(name: "Other", platform: nil, in: org, store: h.store)
        for i in 0..<3 { try h.event(pythonError("KeyError", "'k\(i)'", function: "checkout", release: "1.0")) }
        // A transaction: an event without an issue.
        let tx = Array(#"{"type":"transaction","transaction":"/cart","start_timestamp":1800000000,"timestamp":1800000001,"contexts":{"trace":{"trace_id":"0123456789abcdef0123456789abcdef","span_id":"0123456789abcdef"}}}"#.utf8)
        let txEnvelope = Array(#"{"event_id":"\#(String(repeating: "ab", count: 16))"}"#.utf8) + [10]
            + Array(#"{"type":"transaction","length":\#(tx.count)}"#.utf8) + [10] + tx + [10]
        _ = try h.send(h.request(txEnvelope)).get()
        let kept = try #require(try h.send(h.request(Array(#"{"message":"other project"}"#.utf8), key: otherKey.publicKey,
                                                     project: String(other.id), endpoint: .store)).get().eventID)

        #expect(try h.store.deleteProject(id: h.projectID))
        #expect(try !h.store.deleteProject(id: h.projectID), "already gone")
        #expect(try h.store.projects(organizationSlug: org.slug).map(\.slug) == ["other"])
        #expect(try h.store.projectKey(publicKey: h.bootstrap.key.publicKey) == nil)
        // The slug is free at once.
        let (again, _) = try ProjectCreation.create(name: "Default", platform: nil, in: org, store: h.store)
        #expect(again.slug == "default" && again.id != h.projectID)

        let db = try SQLiteDatabase(path: h.store.path)
        let deadline = Date().addingTimeInterval(20)
        while try db.scalarInt("SELECT count(*) FROM project_deletions") ?? 0 > 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        for table in ["project_deletions", "events", "event_ids", "outcomes", "releases"] {
            #expect(try db.scalarInt("SELECT count(*) FROM \(table) WHERE project_id = \(h.projectID)") == 0, "\(table)")
        }
        #expect(try db.scalarInt("SELECT count(*) FROM issue_events") == 1, "the other project's event")
        #expect(try db.scalarInt("SELECT count(*) FROM issues WHERE project_id = \(h.projectID)") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM payloads") == 1, "only the other project's body is left")
        #expect(try h.store.event(projectID: other.id, eventID: kept) != nil)

        // The newest project's id is not given out again (SQLite would reuse the highest row id).
        #expect(try h.store.deleteProject(id: again.id))
        let (third, _) = try ProjectCreation.create(name: "Third", platform: nil, in: org, store: h.store)
        #expect(third.id > again.id)
    }
}

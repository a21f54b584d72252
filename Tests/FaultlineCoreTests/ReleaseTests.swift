import Foundation
import Testing
@testable import FaultlineCore
@testable import SQLite

@Suite struct ReleaseTests {
    private func change(projects: [Int]) -> ReleaseChange {
        var c = ReleaseChange()
        c.projectIDs = projects
        return c
    }

    @Test func eventsCreateReleasesAndCountTheirEventsAndNewIssues() throws {
        let h = try Harness()
        let org = h.bootstrap.organization.id
        for i in 0..<4 {
            try h.event(pythonError("KeyError", "'k\(i)'", function: "checkout", release: i < 3 ? "shop@1.0" : "shop@1.1"))
        }
        try h.event(pythonError("ValueError", "bad", function: "refund", release: "shop@1.1"))
        try h.event(pythonError("TypeError", "none", function: "cart"))

        let old = try #require(try h.store.release(organizationID: org, version: "shop@1.0"))
        #expect(old.eventCount == 3)
        #expect(old.newIssues == 1)
        #expect(old.projects.map(\.projectID) == [h.projectID])
        let new = try #require(try h.store.release(organizationID: org, version: "shop@1.1"))
        #expect(new.eventCount == 2)
        // The checkout issue is older than 1.1: only refund is new in it.
        #expect(new.newIssues == 1)
        #expect(try #require(new.firstEvent) <= (new.lastEvent ?? 0))
        #expect(try h.store.releases(ReleaseQuery(organizationID: org)).map(\.version) == ["shop@1.1", "shop@1.0"])
        // Still in use: events name it.
        #expect(try h.store.deleteRelease(organizationID: org, version: "shop@1.0") == .inUse)
    }

    @Test func createUpdateFinalizeAndDelete() throws {
        let h = try Harness()
        let org = h.bootstrap.organization.id
        let (first, created) = try h.store.saveRelease(organizationID: org, version: "2.0", change(projects: [h.projectID]))
        #expect(created)
        #expect(first.dateReleased == nil && first.projects.count == 1 && first.eventCount == 0)
        var again = change(projects: [h.projectID])
        again.url = "https://example.com/2.0"
        let (second, createdAgain) = try h.store.saveRelease(organizationID: org, version: "2.0", again)
        #expect(!createdAgain)
        #expect(second.id == first.id && second.url == "https://example.com/2.0")

        var finalize = ReleaseChange()
        finalize.dateReleased = 1_800_000_000
        finalize.heads = [ReleaseHead(repository: "acme/shop", commit: "abc123", previousCommit: "000111")]
        let finalized = try #require(try h.store.updateRelease(organizationID: org, version: "2.0", finalize))
        #expect(finalized.dateReleased == 1_800_000_000)
        #expect(finalized.heads == [ReleaseHead(repository: "acme/shop", commit: "abc123", previousCommit: "000111")])
        // A head stands for its commit when no commit list was given; its repository is added to the organization's.
        #expect(finalized.commitCount == 1 && finalized.lastCommit?.id == "abc123")
        #expect(try h.store.repositories(organizationID: org).map(\.name) == ["acme/shop"])
        #expect(try h.store.updateRelease(organizationID: org, version: "nope", finalize) == nil)

        let deploy = try h.store.createDeploy(releaseID: first.id, Deploy(environment: "production", dateFinished: 1_800_000_100))
        #expect(try h.store.release(organizationID: org, version: "2.0")?.lastDeploy == deploy)

        #expect(try h.store.deleteRelease(organizationID: org, version: "2.0") == .deleted)
        #expect(try h.store.release(organizationID: org, version: "2.0") == nil)
        #expect(try h.store.deploys(releaseID: first.id).isEmpty)
        #expect(try h.store.deleteRelease(organizationID: org, version: "2.0") == .notFound)
        // Deleted while the writer had it cached: an event naming it again brings it back.
        try h.event(pythonError("KeyError", "'x'", function: "checkout", release: "2.0"))
        #expect(try h.store.release(organizationID: org, version: "2.0")?.eventCount == 1)
    }

    @Test func commitsReplaceAndThePreviousReleaseWithCommitsIsFound() throws {
        let h = try Harness()
        let org = h.bootstrap.organization.id
        var withCommits = change(projects: [h.projectID])
        withCommits.commits = [ReleaseCommit(id: "c2", repository: "acme/shop", message: "second", authorName: "Ann",
                                             authorEmail: "ann@example.com", timestamp: 1_800_000_000),
                               ReleaseCommit(id: "c1", repository: "acme/shop")]
        _ = try h.store.saveRelease(organizationID: org, version: "1.0", withCommits)
        _ = try h.store.saveRelease(organizationID: org, version: "1.1", change(projects: [h.projectID]))
        let release = try #require(try h.store.release(organizationID: org, version: "1.0"))
        #expect(try h.store.releaseCommits(releaseID: release.id).map(\.id) == ["c2", "c1"])
        #expect(release.lastCommit?.authorEmail == "ann@example.com")
        #expect(try h.store.previousReleaseWithCommits(organizationID: org, version: "1.1")?.version == "1.0")
        #expect(try h.store.previousReleaseWithCommits(organizationID: org, version: "1.0") == nil)

        var replace = ReleaseChange()
        replace.commits = [ReleaseCommit(id: "c3")]
        _ = try h.store.updateRelease(organizationID: org, version: "1.0", replace)
        #expect(try h.store.releaseCommits(releaseID: release.id).map(\.id) == ["c3"])
    }

    @Test func pagesAndFilters() throws {
        let h = try Harness()
        let org = h.bootstrap.organization.id
        for i in 0..<5 { _ = try h.store.saveRelease(organizationID: org, version: "app@\(i)", change(projects: [h.projectID])) }
        _ = try h.store.saveRelease(organizationID: org, version: "other", change(projects: [h.projectID]))
        var query = ReleaseQuery(organizationID: org)
        query.limit = 4
        let page1 = try h.store.releases(query)
        #expect(page1.map(\.version) == ["other", "app@4", "app@3", "app@2"])
        query.after = ReleaseCursor(dateCreated: page1[3].dateCreated, id: page1[3].id)
        #expect(try h.store.releases(query).map(\.version) == ["app@1", "app@0"])
        var text = ReleaseQuery(organizationID: org)
        text.text = "app@"
        #expect(try h.store.releases(text).count == 5)
        var none = ReleaseQuery(organizationID: org)
        none.projectIDs = [h.projectID + 100]
        #expect(try h.store.releases(none).isEmpty)
    }
}

@Suite struct ReleaseMigrationTests {
    /// A database from before releases had an organization list and counts gets both from what it holds.
    @Test func existingReleasesGetTheirOrganizationRowAndCounts() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("faultline-\(UUID().uuidString).sqlite").path
        let db = try SQLiteDatabase(path: path)
        try Schema.migrator.migrate(db, through: "0005_event_ids")
        try db.execute("""
            INSERT INTO organizations (id, slug, name, created_at) VALUES (1, 'acme', 'Acme', 0);
            INSERT INTO projects (id, organization_id, slug, name, created_at) VALUES (1, 1, 'web', 'Web', 0), (2, 1, 'api', 'API', 0);
            INSERT INTO releases (project_id, version, first_seen) VALUES (1, '1.0', 100), (2, '1.0', 50), (1, '1.1', 200);
            INSERT INTO issues (id, project_id, short_number, type, title, culprit, level, first_seen, last_seen, times_seen,
                                user_count, first_release, last_release, is_unhandled, status, status_details)
            VALUES (1, 1, 1, 'error', 't', 'c', 'error', 100, 300, 5, 0, '1.0', '1.1', 0, 'unresolved', '{}'),
                   (2, 1, 2, 'error', 't', 'c', 'error', 200, 300, 1, 0, '1.1', '1.1', 0, 'unresolved', '{}');
            INSERT INTO issue_tags (issue_id, key, value, times_seen, first_seen, last_seen)
            VALUES (1, 'release', '1.0', 4, 100, 150), (1, 'release', '1.1', 1, 300, 300), (2, 'release', '1.1', 1, 200, 200),
                   (1, 'level', 'error', 5, 100, 300);
            """)
        try Schema.migrator.migrate(db)
        let org = try db.rows("SELECT organization_id, version, date_created FROM org_releases ORDER BY version") {
            [$0.int(0), Int($0.double(2))] + [$0.string(1) == "1.0" ? 0 : 1]
        }
        #expect(org == [[1, 50, 0], [1, 200, 1]])
        let counts = try db.rows("SELECT project_id, version, event_count, first_event, last_event, new_issues FROM releases ORDER BY 1, 2") {
            "\($0.int(0)) \($0.string(1) ?? "") \($0.int(2)) \($0.isNull(3) ? "-" : String(Int($0.double(3)))) \($0.isNull(4) ? "-" : String(Int($0.double(4)))) \($0.int(5))"
        }
        #expect(counts == ["1 1.0 4 100 150 1", "1 1.1 2 200 300 1", "2 1.0 0 - - 0"])
    }
}

import Foundation
import Testing
@testable import FaultlineCore
@testable import SQLite
import Synchronization

/// Every transition of an issue's state, as pure code: no SQLite, a release order from a list.
@Suite struct IssueLifecycleRulesTests {
    /// Releases in the order they were first seen.
    struct ListedOrder: ReleaseOrdering {
        var releases: [String]
        func isRelease(_ release: String, newerThan other: String) throws -> Bool {
            if release == other { return false }
            if let order = ReleaseOrder.compareVersions(release, other) { return order > 0 }
            guard let mine = releases.firstIndex(of: release) else { return true }
            guard let theirs = releases.firstIndex(of: other) else { return false }
            return mine > theirs
        }
    }

    let order = ListedOrder(releases: ["build-a", "build-b", "build-c"])

    /// Events and users an issue had since a time, from a list of (time, user).
    struct ListedSightings: RecentSightings {
        var sightings: [(time: Double, user: String)] = []
        func events(issueID: Int, since: Double) throws -> Int { sightings.filter { $0.time >= since }.count }
        func users(issueID: Int, since: Double) throws -> Int { Set(sightings.filter { $0.time >= since }.map(\.user)).count }
    }

    func receive(_ issue: FaultlineCore.Issue, _ event: IssueLifecycle.Sighting,
                 recent: ListedSightings = ListedSightings()) throws -> IssueLifecycle.Outcome {
        try IssueLifecycle.receive(issue, event, order: order, recent: recent)
    }

    func issue(_ status: IssueStatus = .unresolved, details: StatusDetails = StatusDetails(), seen: Int = 5, users: Int = 2) -> FaultlineCore.Issue {
        FaultlineCore.Issue(id: 7, projectID: 1, shortNumber: 7, type: "error", title: "KeyError", culprit: "shop.views in checkout",
              exceptionType: "KeyError", exceptionValue: "'sku'", filename: nil, function: "checkout", level: "error",
              platform: "python", firstSeen: 1_000, lastSeen: 2_000, timesSeen: seen, userCount: users, firstRelease: nil,
              lastRelease: nil, isUnhandled: false, status: status, substatus: nil, statusDetails: details, resolvedAt: nil)
    }

    func sighting(_ release: String? = nil, at time: Double = 3_000, newUser: Bool = false) -> IssueLifecycle.Sighting {
        .init(release: release, timestamp: time, receivedAt: time, isNewUser: newUser)
    }

    @Test func anEventCountsAndMovesReleases() throws {
        let out = try receive(issue(), sighting("build-b", at: 500, newUser: true))
        #expect(out.issue.timesSeen == 6 && out.issue.userCount == 3)
        #expect(out.issue.firstSeen == 500 && out.issue.lastSeen == 2_000, "an older event moves first seen only")
        #expect(out.issue.firstRelease == "build-b" && out.firstRelease == "build-b" && out.issue.lastRelease == "build-b")
        #expect(!out.regressed && !out.reappeared && out.activities.isEmpty)
        var known = issue()
        known.firstRelease = "build-a"
        #expect(try receive(known, sighting("build-c")).firstRelease == nil)
    }

    @Test func aResolvedIssueRegresses() throws {
        var resolved = issue(.resolved)
        resolved.resolvedAt = 1_500
        let out = try receive(resolved, sighting("build-a"))
        #expect(out.regressed && out.issue.status == .unresolved && out.issue.substatus == "regressed" && out.issue.resolvedAt == nil)
        #expect(out.activities == [IssueLifecycle.Activity(type: "set_regression", data: [("version", .string("build-a"))])])
        #expect(try receive(resolved, sighting()).activities.first?.data.first?.value == .null)
    }

    @Test func resolvedInAReleaseRegressesOnlyFromItOrLater() throws {
        var details = StatusDetails()
        details.inRelease = "build-b"
        let fixed = issue(.resolved, details: details)
        #expect(try !receive(fixed, sighting("build-a")).regressed, "an older build still fails")
        #expect(try receive(fixed, sighting("build-b")).regressed)
        #expect(try receive(fixed, sighting("build-c")).regressed)
        #expect(try receive(fixed, sighting("build-z")).regressed, "a release never seen is newer")
        #expect(try !receive(fixed, sighting(nil)).regressed, "no release: cannot tell")
        // Versions compare as versions, not by appearance.
        var semver = StatusDetails()
        semver.inRelease = "shop@1.10.0"
        let v = issue(.resolved, details: semver)
        #expect(try !receive(v, sighting("shop@1.9.2")).regressed)
        #expect(try receive(v, sighting("shop@1.10.1")).regressed)
    }

    @Test func resolvedInTheNextReleaseRegressesFromANewerOne() throws {
        var details = StatusDetails()
        details.inNextRelease = true
        details.afterRelease = "build-b"
        let next = issue(.resolved, details: details)
        #expect(try !receive(next, sighting("build-b")).regressed, "the release it was resolved in")
        #expect(try receive(next, sighting("build-c")).regressed)
        var noneKnown = StatusDetails()
        noneKnown.inNextRelease = true
        #expect(try receive(issue(.resolved, details: noneKnown), sighting("build-a")).regressed,
                "no release was known: any release is the next")
    }

    @Test func anIgnoreEndsByCountUsersOrTime() throws {
        var byCount = StatusDetails()
        byCount.ignoreUntilCount = 7
        let counted = issue(.ignored, details: byCount, seen: 5)
        let first = try receive(counted, sighting())
        #expect(first.issue.status == .ignored && !first.reappeared)
        let second = try receive(first.issue, sighting())
        #expect(second.reappeared && second.issue.status == .unresolved && second.issue.substatus == "escalating")
        #expect(second.issue.statusDetails == StatusDetails() && second.activities.map(\.type) == ["set_escalating"])

        var byUsers = StatusDetails()
        byUsers.ignoreUntilUserCount = 3
        #expect(try !receive(issue(.ignored, details: byUsers, users: 2), sighting()).reappeared,
                "a known user does not count")
        #expect(try receive(issue(.ignored, details: byUsers, users: 2), sighting(newUser: true)).reappeared)

        var byTime = StatusDetails()
        byTime.ignoreUntil = 3_600
        #expect(try !receive(issue(.ignored, details: byTime), sighting(at: 3_599)).reappeared)
        #expect(try receive(issue(.ignored, details: byTime), sighting(at: 3_600)).reappeared)
        // With no event: the timer.
        #expect(IssueLifecycle.expire(issue(.ignored, details: byTime), at: 3_599) == nil)
        #expect(IssueLifecycle.expire(issue(.ignored, details: byTime), at: 3_600)?.issue.status == .unresolved)
        #expect(IssueLifecycle.expire(issue(.ignored, details: byCount), at: 1e12) == nil, "only time-bound ignores expire by time")
        #expect(IssueLifecycle.expire(issue(.unresolved), at: 1e12) == nil)
    }

    @Test func anIgnoreCountedWithinAWindow() throws {
        // 3 events within 10 minutes end it; 3 events spread over an hour do not (Sentry's `ignoreWindow`).
        var details = StatusDetails()
        details.ignoreCount = 3
        details.ignoreUntilCount = 8
        details.ignoreWindow = 10
        let ignored = issue(.ignored, details: details, seen: 5)
        let spread = ListedSightings(sightings: [(1_000, "a"), (2_500, "b"), (4_000, "c")])
        #expect(try !receive(ignored, sighting(at: 4_000), recent: spread).reappeared)
        let burst = ListedSightings(sightings: [(3_500, "a"), (3_800, "a"), (4_000, "a")])
        #expect(try receive(ignored, sighting(at: 4_000), recent: burst).reappeared)

        var users = StatusDetails()
        users.ignoreUserCount = 2
        users.ignoreUntilUserCount = 4
        users.ignoreUserWindow = 60
        let byUsers = issue(.ignored, details: users, users: 2)
        #expect(try !receive(byUsers, sighting(at: 4_000), recent: burst).reappeared, "one user, three times")
        #expect(try receive(byUsers, sighting(at: 4_000), recent: ListedSightings(sightings: [(1_000, "a"), (3_900, "b"), (4_000, "c")])).reappeared)

        var change = IssueStatusChange(status: .ignored)
        change.ignoreCount = 100
        change.ignoreWindow = 60
        let (windowed, activity) = IssueLifecycle.change(issue(), to: change, at: 1, latestRelease: nil)
        #expect(windowed.statusDetails.ignoreWindow == 60 && activity.data.map(\.key) == ["ignoreCount", "ignoreWindow"])
    }

    @Test func statusChanges() {
        var change = IssueStatusChange(status: .resolved)
        change.inNextRelease = true
        change.actor = "jane@example.com"
        let (resolved, activity) = IssueLifecycle.change(issue(), to: change, at: 9_000, latestRelease: "build-c")
        #expect(resolved.status == .resolved && resolved.resolvedAt == 9_000)
        #expect(resolved.statusDetails.inNextRelease && resolved.statusDetails.afterRelease == "build-c")
        #expect(activity == IssueLifecycle.Activity(type: "set_resolved_in_release", data: [("inNextRelease", .bool(true))],
                                                    actor: "jane@example.com"))

        var ignore = IssueStatusChange(status: .ignored)
        ignore.ignoreDuration = 30
        ignore.ignoreCount = 100
        let (ignored, _) = IssueLifecycle.change(issue(seen: 5), to: ignore, at: 9_000, latestRelease: nil)
        #expect(ignored.substatus == "archived_until_condition_met")
        #expect(ignored.statusDetails.ignoreUntil == 9_000 + 1_800 && ignored.statusDetails.ignoreUntilCount == 105)
        let (forever, a) = IssueLifecycle.change(issue(), to: IssueStatusChange(status: .ignored), at: 9_000, latestRelease: nil)
        #expect(forever.substatus == "archived_forever" && a.type == "set_ignored")

        let (reopened, b) = IssueLifecycle.change(resolved, to: IssueStatusChange(status: .unresolved), at: 9_500, latestRelease: nil)
        #expect(reopened.status == .unresolved && reopened.resolvedAt == nil && reopened.statusDetails == StatusDetails())
        #expect(b.type == "set_unresolved")
        var inRelease = IssueStatusChange(status: .resolved)
        inRelease.inRelease = "build-b"
        #expect(IssueLifecycle.change(issue(), to: inRelease, at: 1, latestRelease: nil).1.data.first?.value == .string("build-b"))
    }
}

@Suite struct ReleaseOrderTests {
    @Test(arguments: [
        ("shop@1.10.0", "shop@1.9.2", 1), ("1.2.3", "1.2.3", 0), ("v2.0", "1.9", 1), ("1.2", "1.2.1", -1),
        ("shop@2.0.0-rc1", "shop@2.0.0", 0),
    ])
    func versionsCompareAsVersions(_ a: String, _ b: String, _ expected: Int) {
        #expect(ReleaseOrder.compareVersions(a, b) == expected)
    }

    @Test func otherReleasesDoNotCompare() {
        #expect(ReleaseOrder.compareVersions("shop@1.0", "cart@2.0") == nil, "another package")
        #expect(ReleaseOrder.compareVersions("4f9c2ab", "1.0") == nil, "a commit id")
        #expect(ReleaseOrder.compareVersions("1.2.3.4.5", "1.2") == nil, "too many parts")
    }
}

/// The ignored-issue timer against the store: an issue ignored for 30 minutes reopens when its time has come, with no
/// new event, and the minute's search reads the partial index, not every issue.
@Suite struct IgnoredIssueTimerTests {
    @Test func anIgnoreForTimeEndsWithoutAnEvent() throws {
        let h = try Harness()
        _ = try h.event(pythonError("KeyError", "'sku'", function: "checkout"))
        let issueID = try #require(try h.store.issues(IssueQuery(projectIDs: [h.projectID])).first?.id)
        var ignore = IssueStatusChange(status: .ignored)
        ignore.ignoreDuration = 30
        _ = try h.store.changeIssueStatus(issueID: issueID, ignore)
        let now = Date().timeIntervalSince1970
        let clock = Mutex(now + 29 * 60)
        let timer = IgnoredIssueTimer(store: h.store, clock: { clock.withLock { $0 } })
        #expect(try timer.checkNow() == 0)
        #expect(try h.store.issue(id: issueID)?.status == .ignored)
        clock.withLock { $0 = now + 31 * 60 }
        #expect(try timer.checkNow() == 1)
        let issue = try #require(try h.store.issue(id: issueID))
        #expect(issue.status == .unresolved && issue.substatus == "escalating")
        #expect(try h.store.issueActivity(issueID: issueID).map(\.type).contains("set_escalating"))
        #expect(try timer.checkNow() == 0, "once")

        let db = try SQLiteDatabase(path: h.store.path)
        let plan = try db.rows("""
            EXPLAIN QUERY PLAN SELECT id FROM issues WHERE status = 'ignored' AND json_extract(status_details, '$.ignoreUntil') <= ?
            """, [now]) { $0.string(3) ?? "" }.joined(separator: "\n")
        #expect(plan.contains("issues_ignored_until"), "\(plan)")
    }
}

/// A bulk update is one core operation: every issue's status and triage in one writer transaction.
@Suite struct BulkIssueUpdateTests {
    @Test func manyIssuesChangeTogether() throws {
        let h = try Harness()
        for f in ["checkout", "refund", "ship"] { _ = try h.event(pythonError("KeyError", "'sku'", function: f)) }
        let ids = try h.store.issues(IssueQuery(projectIDs: [h.projectID])).map(\.id).sorted()
        #expect(ids.count == 3)
        var ignore = IssueStatusChange(status: .ignored)
        ignore.ignoreCount = 10
        let owner = try #require(try h.store.user(email: Bootstrap.defaultOwnerEmail)).user.id
        var triage = IssueTriageChange()
        triage.assignment = .user(owner)
        let last = try h.store.updateIssues(Array(ids.prefix(2)) + [999_999], status: ignore, triage: triage,
                                            userID: owner, at: Date().timeIntervalSince1970)
        #expect(last?.status == .ignored && last?.statusDetails.ignoreCount == 10, "an unknown id is skipped")
        let after = try ids.map { try #require(try h.store.issue(id: $0)) }
        #expect(after.map(\.status) == [.ignored, .ignored, .unresolved])
        for id in ids.prefix(2) {
            #expect(try Set(h.store.issueActivity(issueID: id).map(\.type)).isSuperset(of: ["set_ignored", "assigned"]))
        }
    }
}

import Foundation
import Testing
@testable import FaultlineCore
@testable import SentryProtocol

extension Harness {
    /// Sends one event (legacy store JSON) and returns its id.
    @discardableResult
    func event(_ json: [String: Any]) throws -> EventID {
        var object = json
        if object["event_id"] == nil { object["event_id"] = EventID.random().hex }
        let body = Array(try JSONSerialization.data(withJSONObject: object))
        return try #require(try send(request(body, endpoint: .store)).get().eventID)
    }

    var projectID: Int { bootstrap.project.id }

    func onlyIssue() throws -> FaultlineCore.Issue {
        let all = try store.issues(IssueQuery(projectID: projectID))
        try #require(all.count == 1)
        return all[0]
    }
}

func pythonError(_ type: String, _ value: String, function: String, user: String? = nil, release: String? = nil,
                 tags: [String: String] = [:]) -> [String: Any] {
    var event: [String: Any] = [
        "platform": "python", "level": "error",
        "exception": ["values": [["type": type, "value": value, "mechanism": ["type": "generic", "handled": false],
                                  "stacktrace": ["frames": [
                                      ["module": "shop.views", "function": function, "lineno": 10, "in_app": true,
                                       "context_line": "    do_\(function)()"],
                                  ]]]]],
        "tags": tags,
    ]
    if let user { event["user"] = ["id": user] }
    if let release { event["release"] = release }
    return event
}

@Suite struct IssueLifecycleTests {
    @Test func eventsGroupIntoIssuesWithCounts() throws {
        let h = try Harness()
        for i in 0..<6 {
            try h.event(pythonError("KeyError", "'sku-\(i)'", function: "checkout", user: "u\(i % 2)", release: "shop@1.0.\(i / 3)",
                                    tags: ["tenant": i < 4 ? "acme" : "globex"]))
        }
        try h.event(pythonError("KeyError", "'x'", function: "refund"))
        let issues = try h.store.issues(IssueQuery(projectID: h.projectID))
        #expect(issues.count == 2)
        let checkout = try #require(issues.first { $0.culprit == "shop.views in checkout" })
        #expect(checkout.timesSeen == 6)
        #expect(checkout.userCount == 2)
        #expect(checkout.title == "KeyError: 'sku-5'")
        #expect(checkout.firstRelease == "shop@1.0.0")
        #expect(checkout.lastRelease == "shop@1.0.1")
        #expect(checkout.isUnhandled)
        #expect(checkout.shortNumber == 1)
        let tenants = try h.store.issueTagValues(issueID: checkout.id, key: "tenant", limit: 10)
        #expect(tenants.map(\.value) == ["acme", "globex"])
        #expect(tenants.map(\.count) == [4, 2])
        let summary = try h.store.issueTagSummary(issueID: checkout.id, topValues: 3)
        #expect(summary.first { $0.key == "handled" }?.top.first?.value == "no")
        #expect(summary.first { $0.key == "release" }?.distinct == 2)
        // Every stored event of the issue is counted, and each points at it.
        let events = try h.store.issueEvents(issueID: checkout.id, oldestFirst: false, limit: 100, afterRowID: nil)
        #expect(events.count == 6)
        #expect(events.allSatisfy { $0.issueID == checkout.id && $0.groupingHash != nil })
        let record = try #require(try h.store.groupHash(projectID: h.projectID, hash: events[0].groupingHash ?? ""))
        #expect(record.issueID == checkout.id)
        #expect(record.components.contains("checkout"))
        #expect(try h.store.issueActivity(issueID: checkout.id).map(\.type) == ["first_seen"])
    }

    @Test func duplicatesDoNotCount() throws {
        let h = try Harness()
        var event = pythonError("E", "v", function: "f")
        event["event_id"] = EventID.random().hex
        try h.event(event)
        try h.event(event)
        #expect(try h.onlyIssue().timesSeen == 1)
    }

    @Test func resolvedIssueRegresses() throws {
        let h = try Harness()
        try h.event(pythonError("E", "v", function: "f"))
        let issue = try h.onlyIssue()
        var change = IssueStatusChange(status: .resolved)
        change.actor = "token:ci"
        _ = try h.store.changeIssueStatus(issueID: issue.id, change)
        #expect(try h.onlyIssue().status == .resolved)
        try h.event(pythonError("E", "v2", function: "f"))
        let again = try h.onlyIssue()
        #expect(again.status == .unresolved)
        #expect(again.substatus == "regressed")
        #expect(again.timesSeen == 2)
        let activity = try h.store.issueActivity(issueID: issue.id)
        #expect(activity.map(\.type) == ["set_regression", "set_resolved", "first_seen"])
        #expect(activity[1].actor == "token:ci")
    }

    @Test func resolvedInReleaseIgnoresOlderReleases() throws {
        let h = try Harness()
        try h.event(pythonError("E", "v", function: "f", release: "shop@1.2.0"))
        let id = try h.onlyIssue().id
        var change = IssueStatusChange(status: .resolved)
        change.inRelease = "shop@1.3.0"
        _ = try h.store.changeIssueStatus(issueID: id, change)
        try h.event(pythonError("E", "v", function: "f", release: "shop@1.2.0"))
        try h.event(pythonError("E", "v", function: "f", release: "shop@1.2.9"))
        #expect(try h.onlyIssue().status == .resolved)
        try h.event(pythonError("E", "v", function: "f", release: "shop@1.10.0"))
        #expect(try h.onlyIssue().substatus == "regressed")
    }

    @Test func resolvedInNextReleaseWaitsForANewRelease() throws {
        let h = try Harness()
        try h.event(pythonError("E", "v", function: "f", release: "build-a"))
        let id = try h.onlyIssue().id
        var change = IssueStatusChange(status: .resolved)
        change.inNextRelease = true
        _ = try h.store.changeIssueStatus(issueID: id, change)
        try h.event(pythonError("E", "v", function: "f", release: "build-a"))
        try h.event(pythonError("E", "v", function: "f"))
        #expect(try h.onlyIssue().status == .resolved)
        try h.event(pythonError("E", "v", function: "f", release: "build-b"))
        #expect(try h.onlyIssue().status == .unresolved)
    }

    @Test func ignoreUntilCountReopensOnTheNthEvent() throws {
        let h = try Harness()
        try h.event(pythonError("E", "v", function: "f"))
        let id = try h.onlyIssue().id
        var change = IssueStatusChange(status: .ignored)
        change.ignoreCount = 5
        _ = try h.store.changeIssueStatus(issueID: id, change)
        #expect(try h.onlyIssue().substatus == "archived_until_condition_met")
        for _ in 0..<4 { try h.event(pythonError("E", "v", function: "f")) }
        #expect(try h.onlyIssue().status == .ignored)
        try h.event(pythonError("E", "v", function: "f"))
        let reopened = try h.onlyIssue()
        #expect(reopened.status == .unresolved)
        #expect(reopened.substatus == "escalating")
        #expect(reopened.timesSeen == 6)
    }

    @Test func ignoreUntilUsersAndForever() throws {
        let h = try Harness()
        try h.event(pythonError("E", "v", function: "f", user: "a"))
        let id = try h.onlyIssue().id
        var change = IssueStatusChange(status: .ignored)
        change.ignoreUserCount = 2
        _ = try h.store.changeIssueStatus(issueID: id, change)
        try h.event(pythonError("E", "v", function: "f", user: "a"))
        try h.event(pythonError("E", "v", function: "f", user: "b"))
        #expect(try h.onlyIssue().status == .ignored)
        try h.event(pythonError("E", "v", function: "f", user: "c"))
        #expect(try h.onlyIssue().status == .unresolved)
        _ = try h.store.changeIssueStatus(issueID: id, IssueStatusChange(status: .ignored))
        for _ in 0..<3 { try h.event(pythonError("E", "v", function: "f", user: UUID().uuidString)) }
        #expect(try h.onlyIssue().status == .ignored)
        #expect(try h.onlyIssue().substatus == "archived_forever")
    }

    @Test func queriesFilterSortAndPage() throws {
        let h = try Harness()
        for i in 0..<5 {
            for _ in 0...i { try h.event(pythonError("E\(i)", "v", function: "f\(i)", release: "r\(i % 2)")) }
        }
        var query = IssueQuery(projectID: h.projectID)
        query.sort = .freq
        query.limit = 2
        let first = try h.store.issues(query)
        #expect(first.map(\.timesSeen) == [5, 4])
        query.cursor = IssueCursor(value: Double(first[1].timesSeen), id: first[1].id)
        #expect(try h.store.issues(query).map(\.timesSeen) == [3, 2])
        var byRelease = IssueQuery(projectID: h.projectID)
        byRelease.filters = [.tag(key: "release", values: [.exact("r1")], negated: false)]
        #expect(try h.store.issues(byRelease).count == 2)
        var text = IssueQuery(projectID: h.projectID)
        text.filters = [.text(.exact("f3"))]
        #expect(try h.store.issues(text).map(\.culprit) == ["shop.views in f3"])
    }

    @Test func scrubbedValuesAreNeverWritten() throws {
        let h = try Harness()
        let secret = "hunter2-\(UUID().uuidString)"
        let card = "4111 1111 1111 1111"
        var event = pythonError("AuthError", "login failed for card \(card)", function: "login")
        event["request"] = ["headers": ["Authorization": "Bearer \(secret)"], "url": "https://shop.example.com/login"]
        event["extra"] = ["password": secret]
        let id = try h.event(event)
        let stored = try #require(try h.store.event(projectID: h.projectID, eventID: id))
        let text = String(decoding: stored.json, as: UTF8.self)
        #expect(!text.contains(secret))
        #expect(!text.contains(card))
        #expect(text.contains("[Filtered]"))
        #expect(try h.onlyIssue().title == "AuthError: login failed for card [Filtered]")
        h.store.close()
        // Nothing in the data directory holds the original bytes: not the database, not its WAL.
        let dir = (h.store.path as NSString).deletingLastPathComponent
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent(name))
            #expect(data.range(of: Data(secret.utf8)) == nil, "\(name)")
            #expect(data.range(of: Data("4111 1111".utf8)) == nil, "\(name)")
        }
    }
}

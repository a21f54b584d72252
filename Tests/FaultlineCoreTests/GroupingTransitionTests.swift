import EventProcessing
import Foundation
import SentryProtocol
import Testing
@testable import FaultlineCore

/// A project that switches grouping strategy keeps its issues: while the transition lasts, an event whose new hash is
/// unknown is grouped by the old strategy too and joins the issue found that way; after it ends, it does not.
@Suite struct GroupingTransitionTests {
    /// A JavaScript error whose v1 and v3 hashes differ (v3 counts `Cart.prototype.add` as `add`).
    func jsError(_ function: String) -> [String: Any] {
        ["platform": "javascript", "exception": ["values": [["type": "TypeError", "value": "x is undefined", "stacktrace": ["frames": [
            ["abs_path": "https://cdn.example.com/app.js", "function": function, "lineno": 9, "in_app": true],
        ]]]]]]
    }

    func issueID(_ h: Harness, _ id: EventID) throws -> Int? {
        try h.store.event(projectID: h.projectID, eventID: id)?.issueID
    }

    @Test func theOldHashLeadsToTheKnownIssueUntilTheTransitionEnds() throws {
        let h = try Harness()
        // A project on v1 (new ones start on the latest), before it has issues: no transition for that switch.
        try h.store.setGroupingStrategy(projectID: h.projectID, .v1)
        #expect(try h.store.projectConfig(projectID: h.projectID).secondary == nil)
        let before = try h.event(jsError("Cart.prototype.add"))
        let old = try #require(try issueID(h, before))

        try h.store.setGroupingStrategy(projectID: h.projectID, .v3, now: Date().timeIntervalSince1970)
        h.ingest.projectSettingsChanged(projectID: h.projectID)
        let config = try h.store.projectConfig(projectID: h.projectID)
        #expect(config.strategy == .v3)
        #expect(config.secondary?.strategy == .v1)
        let after = try h.event(jsError("Cart.prototype.add"))
        #expect(try issueID(h, after) == old, "joined through the old strategy's hash")
        #expect(try h.store.event(projectID: h.projectID, eventID: after)?.groupingHash
                != h.store.event(projectID: h.projectID, eventID: before)?.groupingHash, "grouped by v3")

        // A transition that ended long ago: the same switch made 91 days back opens a new issue instead.
        let h2 = try Harness()
        try h2.store.setGroupingStrategy(projectID: h2.projectID, .v1)
        let first = try h2.event(jsError("Cart.prototype.add"))
        try h2.store.setGroupingStrategy(projectID: h2.projectID, .v3, now: Date().timeIntervalSince1970 - 91 * 86_400)
        h2.ingest.projectSettingsChanged(projectID: h2.projectID)
        let late = try h2.event(jsError("Cart.prototype.add"))
        #expect(try issueID(h2, late) != issueID(h2, first))
        // Switching back to the same strategy starts no transition.
        try h2.store.setGroupingStrategy(projectID: h2.projectID, .v3)
        #expect(try h2.store.projectConfig(projectID: h2.projectID).secondaryStrategy(at: Date().timeIntervalSince1970) == nil)
    }
}

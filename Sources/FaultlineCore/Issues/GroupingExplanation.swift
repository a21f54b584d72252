import EventProcessing
import SentryProtocol

/// Why an event is in its issue: the hash it was stored with, what was recorded for that hash when it was first
/// seen, and the grouping recomputed now from the stored event with the project's rules, under the strategy that
/// made the hash (so the explanation still holds after the project switched strategy).
public struct GroupingExplanation: Sendable {
    public enum Failure: Error, Equatable {
        case eventNotFound
        /// A transaction: it is not grouped into an issue.
        case notGrouped
    }

    public var event: StoredEvent
    public var hash: String
    /// The strategy that made the hash.
    public var strategy: GroupingStrategy
    public var recorded: GroupHashRecord?
    public var current: GroupingResult
    /// Whether any frame was the application's after the strategy's and the project's rules.
    public var hasInAppFrames: Bool

    /// Why the event was grouped on what it was (the variant), in words.
    public var variantReason: String {
        switch current.variant {
        case "app": "the application's (in-app) frames are grouped on; other frames do not count"
        case "system": hasInAppFrames
            ? "its in-app frames were all left out (by rules or as recursion), so every frame counts"
            : "no frame is the application's (in-app): every frame counts"
        case "message": "no stack trace counted: the message, parameterized, is grouped on"
        case "template": "no stack trace: the template's file and line are grouped on"
        case "custom": "the SDK sent a fingerprint, which replaces the default grouping"
        case "rule": "a fingerprint rule of the project matched"
        case "built-in": "a built-in fingerprint rule matched"
        case "fallback": "nothing to group on: every such event is one issue"
        default: "grouped as \(current.variant)"
        }
    }

    public static func explain(_ store: any FaultlineStore, projectID: Int, eventID: EventID) throws -> GroupingExplanation {
        guard let event = try store.event(projectID: projectID, eventID: eventID) else { throw Failure.eventNotFound }
        guard let hash = event.groupingHash else { throw Failure.notGrouped }
        let record = try store.groupHash(projectID: projectID, hash: hash)
        let config = try store.projectConfig(projectID: projectID)
        let strategy = record.flatMap { GroupingStrategy(rawValue: $0.strategy) } ?? config.strategy
        let document = try JSONDocument(bytes: event.json)
        let facts = EventFacts(document.root)
        let current = Fingerprinter.group(facts, rules: config.fingerprintRules, stackTraceRules: config.stackTraceRules,
                                          strategy: strategy)
        let prepared = GroupingPreprocessor.prepare(facts, strategy: strategy, rules: config.stackTraceRules)
        let inApp = prepared.exceptions.contains { $0.frames.contains(where: \.inApp) } || prepared.threadFrames.contains(where: \.inApp)
        return GroupingExplanation(event: event, hash: hash, strategy: strategy, recorded: record, current: current,
                                   hasInAppFrames: inApp)
    }
}

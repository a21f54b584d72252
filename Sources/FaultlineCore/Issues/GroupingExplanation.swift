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

    public static func explain(_ store: any FaultlineStore, projectID: Int, eventID: EventID) throws -> GroupingExplanation {
        guard let event = try store.event(projectID: projectID, eventID: eventID) else { throw Failure.eventNotFound }
        guard let hash = event.groupingHash else { throw Failure.notGrouped }
        let record = try store.groupHash(projectID: projectID, hash: hash)
        let config = try store.projectConfig(projectID: projectID)
        let strategy = record.flatMap { GroupingStrategy(rawValue: $0.strategy) } ?? config.strategy
        let document = try JSONDocument(bytes: event.json)
        let current = Fingerprinter.group(EventFacts(document.root), rules: config.fingerprintRules,
                                          stackTraceRules: config.stackTraceRules, strategy: strategy)
        return GroupingExplanation(event: event, hash: hash, strategy: strategy, recorded: record, current: current)
    }
}

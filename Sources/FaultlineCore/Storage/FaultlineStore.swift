import EventProcessing
import SentryProtocol

/// Everything Faultline asks of its database, as domain operations. SQLite implements it
/// (`SQLiteStore`); nothing outside `Storage/` writes SQL, so another backend can sit beside it.
public protocol FaultlineStore: ReleaseStore, UserStore, AlertStore, MetricAlertStore {
    // Ingest (the hot path).
    /// Announces an envelope being prepared, so a group commit waits for it rather than a fixed time. Each call
    /// is ended by `commit` or by `cancelExpectedCommit`.
    func expectCommit()
    func cancelExpectedCommit()
    /// Commits a prepared envelope, which must have been announced by `expectCommit`; `completion` runs after the
    /// commit (or failure), off the caller's thread.
    func commit(_ batch: IngestBatch, completion: @escaping @Sendable (Result<IngestReceipt, any Error>) -> Void)
    /// Records outcomes without waiting (rejections).
    func record(_ outcomes: [Outcome])

    // Lookups.
    func projectKey(publicKey: String) throws -> ProjectKey?
    func token(hash: [UInt8]) throws -> APIToken?
    func organization(slug: String) throws -> Organization?
    func organization(id: Int) throws -> Organization?
    /// Oldest first.
    func organizations() throws -> [Organization]
    func project(organizationSlug: String, projectSlug: String) throws -> Project?
    func projects(organizationSlug: String?) throws -> [Project]
    func keys(projectID: Int) throws -> [ProjectKey]
    func event(projectID: Int, eventID: EventID) throws -> StoredEvent?
    /// A project's error events (not transactions), newest first, `limit` at most, older than `beforeRowID`.
    func projectEvents(projectID: Int, limit: Int, beforeRowID: Int?) throws -> [StoredEvent]
    /// Outcome counts per hour (`timestamp` is the hour's start) for these projects, from `since` up to `until`.
    func outcomes(projectIDs: [Int], since: Double, until: Double) throws -> [Outcome]
    func projectConfig(projectID: Int) throws -> ProjectConfig
    /// Stored option values (JSON texts) by Sentry's option name.
    func projectOptions(projectID: Int) throws -> [String: String]
    func setProjectOptions(projectID: Int, _ options: [String: String]) throws

    // Issues.
    func issue(id: Int) throws -> Issue?
    /// The issue with this short number (the `N` of `PROJECT-N`) in a project.
    func issue(projectID: Int, shortNumber: Int) throws -> Issue?
    func issues(_ query: IssueQuery) throws -> [Issue]
    /// The ids of the issues `query` lists, in its order, `query.limit` at most.
    func issueIDs(_ query: IssueQuery) throws -> [Int]
    /// How many issues match `query` in all, estimated from the first `matched` matches, the last of them at
    /// `through` in the list's order: the match rate in the part of the list they cover, times every issue of the
    /// projects. For a count past the bound that `issueIDs` is read to (Sentry's `X-Hits` past `X-Max-Hits`).
    func issueCountEstimate(_ query: IssueQuery, matched: Int, through: IssueCursor) throws -> Int
    /// These issues in this order (ids that no longer exist are left out).
    func issues(ids: [Int]) throws -> [Issue]
    /// Events of an issue, newest first (or oldest first), `limit` at most, before/after an event row.
    func issueEvents(issueID: Int, oldestFirst: Bool, limit: Int, afterRowID: Int?) throws -> [StoredEvent]
    func issueTagValues(issueID: Int, key: String, limit: Int) throws -> [TagValueCount]
    /// Per tag key: the number of events that had it, distinct values and the top values.
    func issueTagSummary(issueID: Int, topValues: Int) throws -> [(key: String, total: Int, distinct: Int, top: [TagValueCount])]
    func issueActivity(issueID: Int) throws -> [IssueActivity]
    /// Event counts per issue per time bucket (bucket start → count) since `since`, from hourly counts: buckets are
    /// whole hours and `since` is taken back to its hour.
    func issueStats(issueIDs: [Int], since: Double, bucketSeconds: Double) throws -> [Int: [Int: Int]]
    func project(id: Int) throws -> Project?
    func groupHash(projectID: Int, hash: String) throws -> GroupHashRecord?
    /// Changes an issue's status (with an activity entry) through the writer; nil when it does not exist.
    func changeIssueStatus(issueID: Int, _ change: IssueStatusChange) throws -> Issue?
    func eventCount() throws -> Int
    /// Assignee, bookmark and seen state of these issues for one user (nil: no user, assignees only).
    func issueTriage(issueIDs: [Int], userID: Int?) throws -> [Int: IssueTriage]
    /// Applies a triage change (bookmarks and seen need `userID`); assignments leave an activity entry.
    func changeIssueTriage(issueID: Int, userID: Int?, _ change: IssueTriageChange, at now: Double) throws
    /// Status and triage of many issues changed in one transaction; the last issue whose status changed.
    func updateIssues(_ issueIDs: [Int], status: IssueStatusChange?, triage: IssueTriageChange, userID: Int?,
                      at now: Double) throws -> Issue?
    /// Deletes the project's issues named, with their events, tags and activity (payloads no event points at any more
    /// go too); new events of the same kind make a new issue. Returns how many were deleted.
    func deleteIssues(projectID: Int, issueIDs: [Int]) throws -> Int

    // Administration.
    func setting(_ key: String) throws -> String?
    func setSetting(_ key: String, _ value: String) throws
    func isEmpty() throws -> Bool
    func createOrganization(slug: String, name: String) throws -> Organization
    func createProject(organizationID: Int, slug: String, name: String, platform: String?) throws -> Project
    /// Changes what is given (`platform: .some(nil)` clears it); false when the project does not exist.
    func updateProject(id: Int, name: String?, slug: String?, platform: String??) throws -> Bool
    /// Reopens the issues ignored until a time that has come (`IssueLifecycle.expire`); returns how many.
    func expireIgnoredIssues(now: Double) throws -> Int
    /// Which grouping strategy the project's events are grouped with from now on (`groupingConfig`).
    func setGroupingStrategy(projectID: Int, _ strategy: GroupingStrategy) throws
    /// Deletes the project: gone from every list and its keys refused at once, its data removed in the background.
    func deleteProject(id: Int) throws -> Bool
    func createKey(projectID: Int, label: String) throws -> ProjectKey
    /// Enables or disables a DSN key; ingest refuses a disabled key with 403 (within the key cache's 5 s).
    func setKeyActive(id: Int, active: Bool) throws
    func renameKey(id: Int, label: String) throws
    /// Sets or (nil) removes a DSN key's rate limit; ingest applies it within the key cache's 5 s.
    func setKeyRateLimit(id: Int, _ limit: ProjectKey.RateLimit?) throws
    /// Deletes a DSN key of the project; false when it has no such key. Ingest refuses it within the key cache's 5 s.
    func deleteKey(id: Int, projectID: Int) throws -> Bool
    /// `parentID`: the token that created this one (none for a session or the command line); revoking a token
    /// revokes everything it created, so no child outlives its parent.
    func createToken(organizationID: Int, hash: [UInt8], name: String?, scopes: [String], userID: Int?,
                     parentID: Int?) throws -> APIToken
    /// The organization's tokens that are not revoked, oldest first.
    func tokens(organizationID: Int) throws -> [APIToken]
    /// Revokes a token of the organization and every token created from it, at any depth; false when there is no
    /// such active token.
    func revokeToken(id: Int, organizationID: Int) throws -> Bool

    /// The transactions a selection names, newest first.
    func transactionSamples(_ selection: TransactionSelection) throws -> [TransactionSample]

    /// Error events of the projects in the time range, newest first (Discover's `event.type:error`).
    func errorSamples(projectIDs: [Int], since: Double, until: Double, environments: [String], columns: Set<ErrorQuery.Column>?,
                      limit: Int) throws -> [ErrorSample]

    /// Titles and short ids of these issues.
    func issueLabels(ids: [Int]) throws -> [Int: ErrorIssueLabel]

    /// Calls between these projects' services seen in their traces in the time range (the newest `limit`).
    func serviceCalls(projectIDs: [Int], since: Double, until: Double, limit: Int) throws -> [ServiceCall]

    /// One trace's transactions (at most `limit`) and the spans stored with them, in these projects.
    func trace(projectIDs: [Int], traceID: EventID, limit: Int) throws -> (transactions: [TraceTransaction], spans: [SpanRecord])
    /// Span blocks by id, decoded (missing ids are left out).
    func spanBlocks(ids: [Int]) throws -> [Int: [SpanRecord]]
    /// The errors and performance occurrences of one trace (at most `limit`, oldest first), in these projects.
    func traceIssueEvents(projectIDs: [Int], traceID: EventID, limit: Int) throws -> [TraceIssueEvent]

    /// True when the database answers a trivial query.
    func isHealthy() -> Bool
    /// Finishes queued writes and closes the database.
    func close()
}

/// An envelope ready to commit: the body once, plus a row per item that points into it.
public struct IngestBatch: Sendable {
    public var projectID: Int
    public var receivedAt: Double
    public var payload: Payload?
    public var events: [EventRow]
    public var items: [ItemRow]
    public var outcomes: [Outcome]
    /// Streamed spans (`span` items): their segments as transactions, and the spans.
    public var streamed = TraceRecords.Extracted()

    public struct Payload: Sendable {
        /// The request's `Content-Encoding` (one coding), or identity.
        public var encoding: String
        /// `envelope` or `json` (a legacy store body).
        public var format: String
        public var bytes: [UInt8]
    }

    public struct EventRow: Sendable {
        public var eventID: EventID
        public var type: String
        public var timestamp: Double
        public var level: String?
        public var platform: String?
        public var release: String?
        public var environment: String?
        public var itemIndex: Int
        /// Grouping for error and message events (transactions have none).
        public var issue: IssueInput?
        /// What normalization changed or dropped.
        public var notes: [String] = []
        /// Transactions: what metric alerts measure.
        public var transaction: TransactionFacts?
        /// Transactions: the root and spans as queried.
        public var trace: TraceRecords.Extracted?
        /// A performance problem found in a transaction: a second row for the same stored item, with an id derived from
        /// the transaction's and the problem's fingerprint, that opens or joins the problem's issue.
        public var isOccurrence = false
        /// Occurrences: sightings of the problem before its issue opens (1: at once; more when the project turned
        /// Sentry's noise thresholds on). Sightings below it store nothing but the count.
        public var sightingsBeforeIssue = 1
        /// Errors and performance occurrences: the trace (and span) they belong to, so the trace view can show them.
        public var traceLink: TraceLink?
    }

    public struct TransactionFacts: Sendable {
        public var name: String?
        public var op: String?
        public var status: String?
        public var durationMS: Double?
        public var userKey: String?
        public var tags: [(key: String, value: String)]
    }

    public struct ItemRow: Sendable {
        public var type: String
        public var eventID: EventID?
        public var quantity: Int
        public var itemIndex: Int
    }
}

public struct IngestReceipt: Sendable {
    /// Event ids that were already stored (answered 200 all the same).
    public var duplicates: [EventID]
    /// The outcomes written, after duplicates were taken out.
    public var outcomes: [Outcome]
}

/// A count of what happened to sent data (Relay's outcomes: accepted, filtered, rate_limited, invalid).
public struct Outcome: Sendable, Hashable {
    public var projectID: Int
    public var timestamp: Double
    public var category: String
    public var outcome: String
    public var reason: String
    public var quantity: Int

    public init(projectID: Int, timestamp: Double, category: String, outcome: String, reason: String = "", quantity: Int = 1) {
        self.projectID = projectID
        self.timestamp = timestamp
        self.category = category
        self.outcome = outcome
        self.reason = reason
        self.quantity = quantity
    }
}

extension FaultlineStore {
    /// A token made by a person (a session, the command line or the first start), not by another token.
    public func createToken(organizationID: Int, hash: [UInt8], name: String?, scopes: [String], userID: Int?) throws -> APIToken {
        try createToken(organizationID: organizationID, hash: hash, name: name, scopes: scopes, userID: userID, parentID: nil)
    }
}

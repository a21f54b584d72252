import Crypto
import EventProcessing
import Foundation
import SentryProtocol
import Synchronization

/// Looks for endpoint regressions once an hour (and whenever the test clock moves): per project, each transaction's
/// p95 over the last day against the seven days before it (`EndpointRegression`). A regression is filed like a
/// performance problem found at ingest — an occurrence under the endpoint's issue, through the writer — with an id
/// derived from the endpoint and the day, so an endpoint that stays slow adds one occurrence a day, not one an hour.
/// Its "now" is the server's clock (moved by `--test-clock` in tests).
public final class RegressionMonitor: @unchecked Sendable {
    public static let recentWindow = 86_400.0
    public static let baselineWindow = 7 * 86_400.0
    /// Transactions read per window and project at most (newest first).
    public static let maxSamples = 200_000

    private let store: any FaultlineStore
    private let clock: @Sendable () -> Double
    private let settings: EndpointRegression.Settings
    private let queue = DispatchQueue(label: "faultline.regressions")
    // Invariant: set once by `start`, from the serving thread; the timer runs for the life of the process.
    private var timer: (any DispatchSourceTimer)?

    public init(store: any FaultlineStore, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                settings: EndpointRegression.Settings = EndpointRegression.Settings()) {
        self.store = store
        self.clock = clock
        self.settings = settings
    }

    public func start() {
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + .seconds(60), repeating: .seconds(3600))
        source.setEventHandler { [weak self] in _ = try? self?.check() }
        source.resume()
        timer = source
    }

    /// Checks every project now and returns once the regressions found are committed (the test clock moved).
    @discardableResult
    public func checkNow() throws -> Int {
        try queue.sync { try check() }
    }

    /// The regressions filed in this pass.
    private func check() throws -> Int {
        let now = clock()
        var filed = 0
        for project in try store.projects(organizationSlug: nil) {
            let config = try store.projectConfig(projectID: project.id)
            guard config.performance.enabled.contains(.endpointRegression) else { continue }
            let recent = try durations(project.id, since: now - Self.recentWindow, until: now)
            guard !recent.isEmpty else { continue }
            let baseline = try durations(project.id, since: now - Self.recentWindow - Self.baselineWindow,
                                         until: now - Self.recentWindow)
            let found = EndpointRegression.find(baseline: baseline, recent: recent, settings: settings)
            guard !found.isEmpty else { continue }
            let batch = try Self.batch(projectID: project.id, problems: found, strategy: config.strategy, now: now)
            let done = DispatchSemaphore(value: 0)
            let result = Mutex<Result<IngestReceipt, any Error>?>(nil)
            // `commit` settles an announced job: announce it, or the writer's count of jobs on their way drops
            // below zero and its group commit stops waiting for the envelopes that are.
            store.expectCommit()
            store.commit(batch) { outcome in
                result.withLock { $0 = outcome }
                done.signal()
            }
            done.wait()
            if case .failure(let error)? = result.withLock({ $0 }) { throw error }
            filed += found.count
        }
        return filed
    }

    private func durations(_ projectID: Int, since: Double, until: Double) throws -> [String: [Double]] {
        var selection = TransactionSelection(projectIDs: [projectID], since: since, until: until, limit: Self.maxSamples)
        selection.columns = [.transaction]
        var byName: [String: [Double]] = [:]
        for sample in try store.transactionSamples(selection) { byName[sample.name, default: []].append(sample.durationMS) }
        return byName
    }

    /// The occurrences as an ingest batch: one small JSON event per regression (the endpoint, the figures), stored
    /// like a legacy store body, each row filing its problem's issue.
    static func batch(projectID: Int, problems: [PerformanceProblem], strategy: GroupingStrategy, now: Double) throws -> IngestBatch {
        var events: [IngestBatch.EventRow] = []
        var bodies: [JSONValue] = []
        let day = Int((now / 86_400).rounded(.down))
        for (index, problem) in problems.enumerated() {
            let digest = Array(Insecure.MD5.hash(data: Array("\(projectID)\u{1F}\(problem.fingerprint)\u{1F}\(day)".utf8)))
            let id = EventID(bytes: digest) ?? EventID.random()
            let body = JSONValue.object([
                ("event_id", .string(id.hex)), ("type", .string("transaction")), ("platform", .string("other")),
                ("level", .string("info")), ("timestamp", .double(now)), ("start_timestamp", .double(now)),
                ("transaction", .string(problem.description)),
                ("contexts", .object([("regression", .object([
                    ("baseline_p95_ms", .double(problem.baselineP95MS ?? 0)), ("recent_p95_ms", .double(problem.recentP95MS ?? 0)),
                    ("baseline_count", .int(problem.baselineCount ?? 0)), ("recent_count", .int(problem.recentCount ?? 0)),
                ]))])),
            ])
            bodies.append(body)
            let document = try JSONDocument(bytes: body.serialized)
            let facts = EventFacts(document.root)
            let key = GroupingKey(strategy: strategy, hash: problem.groupingHash, variant: "performance",
                                  fingerprint: [problem.fingerprint], matchedRule: nil, title: problem.kind.title)
            let input = IssueInput(key: key, facts: facts, rules: .none,
                                   descriptor: IssueDescriptor(problem, transaction: problem.description), platform: "other",
                                   release: nil, userKey: nil, tags: [("transaction", problem.description)],
                                   evidence: problem.evidenceJSON(transaction: problem.description))
            var row = IngestBatch.EventRow(eventID: id, type: "transaction", timestamp: now, level: "info", platform: "other",
                                           release: nil, environment: nil, itemIndex: index, issue: input, notes: [])
            row.isOccurrence = true
            events.append(row)
        }
        // Stored as an envelope of one item per regression, so every reader of stored events (the event API, recovery
        // after a crash) finds each row's JSON the way it finds an SDK's.
        var envelope = Array("{}\n".utf8)
        for body in bodies {
            let bytes = body.serialized
            envelope += Array("{\"type\":\"transaction\",\"length\":\(bytes.count)}\n".utf8) + bytes + [UInt8(ascii: "\n")]
        }
        let payload = IngestBatch.Payload(encoding: "identity", format: "envelope", bytes: envelope)
        return IngestBatch(projectID: projectID, receivedAt: now, payload: payload, events: events, items: [], outcomes: [])
    }
}

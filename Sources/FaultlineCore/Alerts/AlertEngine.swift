import Foundation
import Logging
import SentryProtocol
import Synchronization

/// Evaluates issue alert rules on every committed event, off the ingest path: the writer hands over each
/// transaction's events after COMMIT; a serial queue checks them against the project's rules, records firings (with
/// their deliveries, in one transaction that also enforces each rule's interval per issue) and wakes the dispatcher.
public final class AlertEngine: AlertSink, @unchecked Sendable {
    // Invariant: `windows`, `recentFirings`, `reloadTimer` and the caches are touched only on `queue`; `rules` is a Mutex.
    private let store: any FaultlineStore
    private let dispatcher: AlertDispatcher?
    private let logger: Logger
    private let clock: @Sendable () -> Double
    private let queue = DispatchQueue(label: "faultline.alerts.engine")
    /// Each project's active rules, with the windows they count over, prepared when rules load (not per event).
    private let rules = Mutex<[Int: ProjectRules]>([:])

    struct ProjectRules {
        var active: [AlertRule]
        var eventSpans: [Int]
        var userSpans: [Int]

        /// Nil when no rule is active (the writer then builds no signals for the project).
        init?(_ all: [AlertRule]) {
            active = all.filter { !$0.isMuted }
            guard !active.isEmpty else { return nil }
            var events: Set<Int> = []
            var users: Set<Int> = []
            for condition in active.flatMap(\.conditions) {
                switch condition {
                case .eventFrequency(_, let interval): events.insert(Int(interval))
                case .uniqueUsers(_, let interval): users.insert(Int(interval))
                default: break
                }
            }
            eventSpans = events.sorted()
            userSpans = users.sorted()
        }
    }

    /// Each issue's counts over the intervals its project's rules ask about (counted from this start on).
    private var windows: [Int: IssueCounters] = [:]
    /// When each (rule, issue) last fired in this run: skips the store's check during a burst.
    private var recentFirings: [RuleIssue: Double] = [:]
    private var projects: [Int: Project] = [:]

    private struct RuleIssue: Hashable {
        var rule: Int
        var issue: Int
    }

    /// Metric alerts, which see the same committed events (and transactions).
    public let metrics: MetricAlertEngine

    public init(store: any FaultlineStore, dispatcher: AlertDispatcher?, logger: Logger,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                metricSettle: DispatchTimeInterval = .milliseconds(200)) {
        self.store = store
        self.dispatcher = dispatcher
        self.logger = logger
        self.clock = clock
        metrics = MetricAlertEngine(store: store, dispatcher: dispatcher, logger: logger, clock: clock, settle: metricSettle)
    }

    private var reloadTimer: (any DispatchSourceTimer)?

    /// Loads every rule, and again every 5 seconds: rules changed outside the API (`faultline alert`) apply then.
    public func start() throws {
        try reloadAll()
        try metrics.start()
        queue.async { [self] in
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + .seconds(5), repeating: .seconds(5))
            timer.setEventHandler { [weak self] in try? self?.reloadAll() }
            timer.resume()
            reloadTimer = timer
        }
    }

    private func reloadAll() throws {
        let prepared = Dictionary(grouping: try store.alertRules(projectID: nil), by: \.projectID).compactMapValues(ProjectRules.init)
        rules.withLock { $0 = prepared }
    }

    /// A project's rules changed (API or CLI): they apply from the next event on.
    public func reload(projectID: Int) {
        let prepared = ProjectRules((try? store.alertRules(projectID: projectID)) ?? [])
        rules.withLock { $0[projectID] = prepared }
    }

    public func wants(projectID: Int) -> Bool {
        rules.withLock { $0[projectID] != nil } || metrics.wantsErrors(projectID: projectID)
    }

    public func wantsTransactions(projectID: Int) -> Bool {
        metrics.wantsTransactions(projectID: projectID)
    }

    public func receive(_ signals: [AlertSignal], transactions: [MetricSample]) {
        queue.async { [self] in
            if !signals.isEmpty { evaluate(signals) }
            var samples = transactions
            for signal in signals where metrics.wantsErrors(projectID: signal.projectID) { samples.append(MetricSample(signal)) }
            metrics.receive(samples)
        }
    }

    /// The clock jumped (a test clock): measures every metric rule at once and lets retries that came due go out.
    public func clockMoved() {
        queue.sync {}
        metrics.measureNow()
        dispatcher?.wake()
    }

    /// Returns once every event received so far was evaluated, by issue and metric rules (tests).
    public func drain() {
        queue.sync {}
        metrics.drain()
    }

    private func evaluate(_ signals: [AlertSignal]) {
        let now = clock()
        var firings: [NewFiring] = []
        var firedHere: Set<RuleIssue> = []
        let byProject = rules.withLock { $0 }
        var latestReleases: [Int: String?] = [:]
        for signal in signals {
            guard let prepared = byProject[signal.projectID] else { continue }
            let active = prepared.active
            // Counted on the engine's clock (events reach it within milliseconds of their commit), which tests move.
            // Mutated in place: a copy of an issue's counters would copy its buckets on every event.
            if !prepared.eventSpans.isEmpty || !prepared.userSpans.isEmpty {
                windows[signal.issue.id, default: IssueCounters()].add(user: signal.userKey, at: Int(now),
                                                                      eventSpans: prepared.eventSpans, userSpans: prepared.userSpans)
            }
            let counters = windows[signal.issue.id] ?? IssueCounters()
            for rule in active {
                let trigger = AlertEvaluator.trigger(rule, signal,
                    events: { counters.events(span: Int($0)) },
                    users: { counters.users(span: Int($0)) })
                guard let trigger else { continue }
                let key = RuleIssue(rule: rule.id, issue: signal.issue.id)
                if firedHere.contains(key) { continue }
                if let last = recentFirings[key], now - last < Double(rule.frequency) * 60 { continue }
                if rule.filters.contains(.latestRelease), latestReleases[signal.projectID] == nil {
                    latestReleases[signal.projectID] = .some(try? store.latestRelease(projectID: signal.projectID))
                }
                let latest = latestReleases[signal.projectID] ?? nil
                guard AlertEvaluator.passes(rule, signal, latestRelease: latest, now: now) else { continue }
                firedHere.insert(key)
                firings.append(NewFiring(rule: rule, issueID: signal.issue.id, eventID: signal.eventID, trigger: trigger,
                                         firedAt: now, payload: payload(rule, trigger, signal, firedAt: now)))
            }
        }
        if windows.count > 50_000 { windows.removeAll() }
        guard !firings.isEmpty else { return }
        do {
            let kept = try store.recordFirings(firings)
            for firing in firings { recentFirings[RuleIssue(rule: firing.rule.id, issue: firing.issueID)] = now }
            if recentFirings.count > 100_000 { recentFirings.removeAll() }
            if kept > 0 { dispatcher?.wake() }
        } catch {
            logger.error("alert firings not recorded", metadata: ["error": "\(error)", "count": "\(firings.count)"])
        }
    }

    private func project(_ id: Int) -> Project? {
        if let p = projects[id] { return p }
        let p = try? store.project(id: id)
        if let p { projects[id] = p }
        return p
    }

    /// What a webhook receives (and what Slack and email messages are written from).
    private func payload(_ rule: AlertRule, _ trigger: AlertTrigger, _ signal: AlertSignal, firedAt: Double) -> String {
        let project = project(signal.projectID)
        let base = ((try? store.setting("public_url")) ?? nil) ?? ""
        let org = project?.organizationSlug ?? ""
        let issue = signal.issue
        let shortID = "\((project?.slug ?? "").uppercased())-\(String(issue.shortNumber, radix: 36).uppercased())"
        let value: JSONValue = .object([
            ("action", .string("triggered")),
            ("trigger", .string(trigger.rawValue)),
            ("rule", .object([("id", .string(String(rule.id))), ("name", .string(rule.name))])),
            ("project", .object([("id", .string(String(signal.projectID))), ("slug", .string(project?.slug ?? "")),
                                 ("name", .string(project?.name ?? "")), ("organization", .string(org))])),
            ("issue", .object([
                ("id", .string(String(issue.id))),
                ("shortId", .string(shortID)),
                ("title", .string(issue.title)),
                ("culprit", .string(issue.culprit)),
                ("level", .string(issue.level)),
                ("status", .string(issue.status.rawValue)),
                ("count", .int(issue.timesSeen)),
                ("userCount", .int(issue.userCount)),
                ("firstSeen", .string(Timestamp.format(issue.firstSeen))),
                ("lastSeen", .string(Timestamp.format(issue.lastSeen))),
                ("url", .string("\(base)/organizations/\(org)/issues/\(issue.id)/")),
            ])),
            ("event", .object([
                ("eventID", .string(signal.eventID.hex)),
                ("message", signal.message.map(JSONValue.string) ?? .null),
                ("level", .string(signal.input.descriptor.level)),
                ("release", signal.release.map(JSONValue.string) ?? .null),
                ("environment", signal.environment.map(JSONValue.string) ?? .null),
                ("tags", .array(signal.tags.map { .array([.string($0.key), .string($0.value)]) })),
                ("timestamp", .string(Timestamp.format(signal.timestamp))),
                ("url", .string("\(base)/organizations/\(org)/issues/\(issue.id)/events/\(signal.eventID.hex)/")),
            ])),
            ("firedAt", .string(Timestamp.format(firedAt))),
        ])
        return String(decoding: value.serialized, as: UTF8.self)
    }
}

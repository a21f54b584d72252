import Foundation
import Logging
import SentryProtocol
import Synchronization

/// Evaluates metric alerts: every committed error or transaction of a watched project is counted into the windows of
/// the rules whose query it matches; those rules are measured again shortly after (a burst is measured once, not per
/// event) and all rules on a timer, so values also fall as windows move. A change of state is recorded with its
/// notification in one transaction that checks the stored state, so it is announced once, restarts included.
public final class MetricAlertEngine: @unchecked Sendable {
    // Invariant: `live`, `byProject` (and the `Live` objects) and the timers are touched only on `queue`; `watched` is a
    // Mutex read by the writer thread.
    private let store: any FaultlineStore
    private let dispatcher: AlertDispatcher?
    private let logger: Logger
    private let clock: @Sendable () -> Double
    private let queue = DispatchQueue(label: "faultline.alerts.metrics")
    /// How long after a sample its rules are measured: a burst that lands within it is judged as a whole.
    private let settle: DispatchTimeInterval

    struct Watched {
        var errors: Set<Int> = []
        var transactions: Set<Int> = []
    }

    private let watched = Mutex(Watched())

    /// A rule as the engine runs it: its compiled query, its window and where it stands. A class, so that counting a
    /// sample changes the window in place (a struct in the table would be copied out and back per sample).
    private final class Live {
        let rule: MetricAlertRule
        let query: EventQuery
        var window: MetricWindow
        var state: MetricAlertRule.State
        /// When this run began counting the window (a restart or an edit starts it afresh).
        let countingSince: Int
        var lastValue: Double?
        var dirty = false

        init(rule: MetricAlertRule, query: EventQuery, state: MetricAlertRule.State, countingSince: Int, lastValue: Double?) {
            self.rule = rule
            self.query = query
            window = MetricWindow(span: rule.timeWindow * 60, aggregate: rule.aggregate)
            self.state = state
            self.countingSince = countingSince
            self.lastValue = lastValue
        }
    }

    private var live: [Int: Live] = [:]
    private var byProject: [Int: [Live]] = [:]
    private var measureScheduled = false
    private var timer: (any DispatchSourceTimer)?

    public init(store: any FaultlineStore, dispatcher: AlertDispatcher?, logger: Logger,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                settle: DispatchTimeInterval = .milliseconds(200)) {
        self.store = store
        self.dispatcher = dispatcher
        self.logger = logger
        self.clock = clock
        self.settle = settle
    }

    /// Loads the rules, then measures every rule every 10 seconds (and reloads rules changed by the CLI).
    public func start() throws {
        let records = try store.metricAlertRules(organizationID: nil)
        queue.sync { load(records) }
        queue.async { [self] in
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + .seconds(10), repeating: .seconds(10))
            timer.setEventHandler { [weak self] in self?.periodic() }
            timer.resume()
            self.timer = timer
        }
    }

    private func periodic() {
        if let records = try? store.metricAlertRules(organizationID: nil) { load(records) }
        measure(all: true)
    }

    /// Rules were created, changed or deleted (API): they apply from now on.
    public func reload() {
        let records = (try? store.metricAlertRules(organizationID: nil)) ?? []
        queue.sync { load(records) }
    }

    /// Measures every rule now (the test clock moved: `POST /api/0/internal/test-clock/`), returning once changes are recorded.
    public func measureNow() {
        queue.sync { measure(all: true) }
    }

    public func wantsErrors(projectID: Int) -> Bool { watched.withLock { $0.errors.contains(projectID) } }
    public func wantsTransactions(projectID: Int) -> Bool { watched.withLock { $0.transactions.contains(projectID) } }

    /// Committed samples (called on the writer thread: only queues them).
    public func receive(_ samples: [MetricSample]) {
        guard !samples.isEmpty else { return }
        queue.async { [self] in count(samples) }
    }

    /// Waits until everything received so far was counted and measured (tests).
    public func drain() {
        queue.sync { measure(all: false) }
    }

    /// The value and state the engine holds for a rule (nil before it was measured).
    public func current(ruleID: Int) -> (state: MetricAlertRule.State, value: Double?)? {
        queue.sync { live[ruleID].map { ($0.state, $0.lastValue) } }
    }

    private func load(_ records: [MetricAlertRecord]) {
        let now = Int(clock())
        var next: [Int: Live] = [:]
        var projects: [Int: [Live]] = [:]
        var watch = Watched()
        for record in records where !record.rule.isMuted {
            let rule = record.rule
            let entry: Live
            if let kept = live[rule.id], kept.rule == rule {
                kept.state = record.state
                entry = kept
            } else {
                guard let query = try? EventQuery(rule.query) else { continue }
                entry = Live(rule: rule, query: query, state: record.state, countingSince: now, lastValue: record.lastValue)
            }
            next[rule.id] = entry
            for p in rule.projectIDs {
                projects[p, default: []].append(entry)
                if rule.countsErrors { watch.errors.insert(p) }
                if rule.countsTransactions { watch.transactions.insert(p) }
            }
        }
        live = next
        byProject = projects
        watched.withLock { $0 = watch }
    }

    private func count(_ samples: [MetricSample]) {
        let now = Int(clock())
        for sample in samples {
            guard let entries = byProject[sample.projectID] else { continue }
            for entry in entries {
                let rule = entry.rule
                guard sample.kind == .error ? rule.countsErrors : rule.countsTransactions else { continue }
                if let environment = rule.environment, sample.environment != environment { continue }
                guard entry.query.matches(sample) else { continue }
                entry.window.add(sample, at: now)
                entry.dirty = true
            }
        }
        guard !measureScheduled else { return }
        measureScheduled = true
        queue.asyncAfter(deadline: .now() + settle) { [weak self] in self?.measure(all: false) }
    }

    private func measure(all: Bool) {
        measureScheduled = false
        let now = clock()
        let second = Int(now)
        var changes: [MetricTransition] = []
        for entry in live.values where all || entry.dirty {
            entry.dirty = false
            let value = entry.window.value(at: second)
            entry.lastValue = value
            guard let value else { continue }
            let warmedUp = second - entry.countingSince >= entry.rule.timeWindow * 60
            guard let next = MetricAlertStates.next(entry.rule, from: entry.state, value: value, warmedUp: warmedUp) else { continue }
            changes.append(MetricTransition(rule: entry.rule, from: entry.state, to: next, value: value, at: now,
                                            payload: payload(entry.rule, from: entry.state, to: next, value: value, at: now)))
            entry.state = next
        }
        guard !changes.isEmpty else { return }
        var recorded = 0
        for change in changes {
            do {
                if try store.recordMetricTransition(change, actions: MetricAlertStates.actions(change.rule, from: change.from, to: change.to)) {
                    recorded += 1
                } else if let stored = try store.metricAlertRule(id: change.rule.id) {
                    // Someone else moved it: take the stored state.
                    live[change.rule.id]?.state = stored.state
                }
            } catch {
                logger.error("metric alert change not recorded", metadata: ["rule": "\(change.rule.id)", "error": "\(error)"])
                live[change.rule.id]?.state = change.from  // tried again at the next measurement
            }
        }
        if recorded > 0 { dispatcher?.wake() }
    }

    /// What a webhook receives for a change of state.
    private func payload(_ rule: MetricAlertRule, from: MetricAlertRule.State, to: MetricAlertRule.State, value: Double,
                         at time: Double) -> String {
        let projects = rule.projectIDs.compactMap { try? store.project(id: $0) }
        let org = projects.first?.organizationSlug ?? ""
        let base = ((try? store.setting("public_url")) ?? nil) ?? ""
        let threshold: Double? = MetricAlertRule.Severity(rawValue: to.rawValue).flatMap { rule.trigger($0)?.alertThreshold }
            ?? rule.resolveThreshold
        let value: JSONValue = .object([
            ("action", .string(to == .resolved ? "resolved" : "triggered")),
            ("kind", .string("metric")),
            ("trigger", .string(to.rawValue)),
            ("rule", .object([
                ("id", .string(String(rule.id))),
                ("name", .string(rule.name)),
                ("aggregate", .string(MetricAlertRuleCodec.aggregateText(rule.aggregate))),
                ("query", .string(rule.query)),
                ("dataset", .string(rule.dataset.rawValue)),
                ("timeWindow", .int(rule.timeWindow)),
                ("thresholdType", .int(rule.thresholdType.rawValue)),
                ("environment", rule.environment.map(JSONValue.string) ?? .null),
                ("url", .string("\(base)/organizations/\(org)/alerts/metric-rules/\(rule.id)/")),
            ])),
            ("metric", .object([
                ("value", .double(value)),
                ("threshold", threshold.map(JSONValue.double) ?? .null),
                ("previousState", .string(from.rawValue)),
                ("state", .string(to.rawValue)),
            ])),
            ("projects", .array(projects.map { .string($0.slug) })),
            ("organization", .string(org)),
            ("firedAt", .string(Timestamp.format(time))),
        ])
        return String(decoding: value.serialized, as: UTF8.self)
    }
}

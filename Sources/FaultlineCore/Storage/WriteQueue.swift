import Foundation
import SQLite
import SentryProtocol

/// The single writer with group commit: every job that arrived while the previous transaction ran is
/// committed together in one `BEGIN IMMEDIATE … COMMIT`, then each job's completion runs on the writer (completions
/// must not block: ingest's only queues its answer on the connection's event loop). With C
/// connections waiting on their commit, a batch holds up to C jobs, so one commit serves many requests.
///
/// One failing job (a constraint, a bad value) fails alone: the batch then runs again with a savepoint per job.
final class WriteQueue: @unchecked Sendable {
    // Invariant: `pending`, `stopping` and `stopped` are guarded by `condition`; `db` is used only on the
    // writer thread (and by `init`/`stop` before it starts and after it ends).
    typealias Work = (SQLiteDatabase, inout BatchTally) throws -> Void

    private struct Job {
        let work: Work
        let completion: (@Sendable ((any Error)?) -> Void)?
        /// Runs in a transaction of its own: it sees no other job's uncommitted rows (deletions).
        var exclusive = false
    }

    private let db: SQLiteDatabase
    private let condition = NSCondition()
    private var pending: [Job] = []
    /// Jobs announced (`expect`) and not yet submitted or withdrawn: requests being decoded and grouped now.
    private var expected = 0
    private var stopping = false
    private var stopped = false
    /// How long a commit may wait for announced jobs, and how many it waits for.
    private let gatherWindow: Double
    private let gatherTarget = 24
    private let maxBatch: Int
    let batchSizes = Histogram(bounds: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
    let commitSeconds = Histogram(bounds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])

    /// Writes what the batch's jobs summed up (outcome counts, issue counters), once, before its COMMIT.
    private let flush: (SQLiteDatabase, BatchTally) throws -> Void
    /// Runs after a COMMIT, so state staged during the transaction can be published.
    private let committed: () -> Void
    /// Runs after a failed transaction, so state cached from it can be dropped.
    private let rolledBack: () -> Void

    init(db: SQLiteDatabase, maxBatch: Int = 1024, gatherWindow: Double = 0.001,
         flush: @escaping (SQLiteDatabase, BatchTally) throws -> Void,
         committed: @escaping () -> Void = {}, rolledBack: @escaping () -> Void = {}) {
        self.db = db
        self.maxBatch = maxBatch
        self.gatherWindow = gatherWindow
        self.flush = flush
        self.committed = committed
        self.rolledBack = rolledBack
        let thread = Thread { [self] in run() }
        thread.name = "faultline.writer"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }

    /// Announces a job that is being prepared and will be submitted with `expected: true` (or withdrawn): a
    /// group commit waits for announced jobs, and only for them.
    func expect() {
        condition.lock()
        expected += 1
        condition.unlock()
    }

    /// An announced job will not come.
    func withdraw() {
        condition.lock()
        expected -= 1
        if expected == 0 { condition.signal() }
        condition.unlock()
    }

    /// Queues `work`; `completion` gets nil after the commit, or the error. `work` may run twice (a batch that
    /// fails is run again job by job), so it must leave nothing behind outside the database but its result.
    /// `expected`: the job was announced with `expect()`.
    func submit(_ work: @escaping Work, expected wasExpected: Bool = false, exclusive: Bool = false,
                completion: (@Sendable ((any Error)?) -> Void)?) {
        condition.lock()
        if wasExpected {
            // A job submitted as announced that never was would drive the count below zero, and group commits
            // would stop waiting for the envelopes really on their way (the regression monitor once did).
            assert(expected > 0, "a job submitted as announced was never announced (expect())")
            expected = max(0, expected - 1)
        }
        if stopping {
            condition.unlock()
            completion?(StoreError.closing)
            return
        }
        pending.append(Job(work: work, completion: completion, exclusive: exclusive))
        // Wake the writer only when what it waits for may now hold: work after an empty queue, or the end of a
        // gather (enough jobs, or none more announced). A signal per job woke it a dozen times per batch only to
        // find it should wait on: a futex call and a context switch per request.
        if pending.count == 1 || pending.count >= gatherTarget || expected == 0 || exclusive {
            condition.signal()
        }
        condition.unlock()
    }

    /// Runs `work` and waits for it (administration, not the hot path); `exclusive`: alone in its transaction.
    func sync<T>(exclusive: Bool = false, _ work: @escaping (SQLiteDatabase) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<T, any Error>?
        submit({ db, _ in result = Result { try work(db) }; if case .failure(let e) = result { throw e } },
               exclusive: exclusive) { error in
            if let error, result == nil { result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try result!.get()
    }

    /// Commits what is queued, then stops the writer.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty && stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            // While requests are still being decoded and grouped (announced), wait up to `gatherWindow` for
            // them: every commit writes its dirty pages to the WAL, and with issues and tags a commit dirties a
            // dozen pages, so fewer, larger commits save more CPU than the wait costs in latency. When nothing
            // is on its way the batch commits at once: a fixed wait left both CPUs idle under load, and a
            // lone request never waits.
            if expected > 0 && pending.count < gatherTarget && !stopping {
                let deadline = Date(timeIntervalSinceNow: gatherWindow)
                while expected > 0 && pending.count < gatherTarget && !stopping && condition.wait(until: deadline) {}
            }
            // An exclusive job commits alone; the others stop before it.
            let size = pending.first?.exclusive == true ? 1
                : pending.prefix(maxBatch).firstIndex(where: \.exclusive) ?? min(pending.count, maxBatch)
            let batch = Array(pending.prefix(size))
            pending.removeFirst(batch.count)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [Job]) {
        let start = DispatchTime.now().uptimeNanoseconds
        // Optimistically without a savepoint per job (they cost about 3 % of ingest CPU); a failing job sends
        // the whole batch back to run again with savepoints, so it fails alone. Failures are rare: bad input is
        // rejected before it reaches the writer.
        var outcome = attempt(batch, isolated: batch.count == 1)
        if outcome.retry { outcome = attempt(batch, isolated: true) }
        let errors = outcome.errors
        batchSizes.observe(Double(batch.count))
        commitSeconds.observe(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        // Answered here: a completion only queues its answer on the connection's event loop, and a hop through a
        // completion queue cost a thread wake-up per batch.
        for (job, error) in zip(batch, errors) { job.completion?(error) }
    }

    /// Runs the batch in one transaction and returns each job's error; `retry` when a job failed outside a
    /// savepoint (the transaction was rolled back and nothing of the batch was written).
    private func attempt(_ batch: [Job], isolated: Bool) -> (errors: [(any Error)?], retry: Bool) {
        var errors = [(any Error)?](repeating: nil, count: batch.count)
        var tally = BatchTally()
        tally.issueEvents.reserveCapacity(batch.count)
        tally.storedEvents.reserveCapacity(batch.count)
        do {
            // Cached prepared statements: sqlite3_exec would compile these per job.
            try db.run("BEGIN IMMEDIATE")
            for (i, job) in batch.enumerated() {
                if !isolated {
                    // Straight into the batch's tally: a failure here discards the whole attempt anyway.
                    do {
                        try job.work(db, &tally)
                    } catch {
                        try? db.execute("ROLLBACK")
                        rolledBack()
                        return (errors, true)
                    }
                    continue
                }
                var jobTally = BatchTally()
                // The ids stored by the batch's earlier jobs, so a resend within the batch is still caught.
                jobTally.storedEventKeys = tally.storedEventKeys
                do {
                    try db.run("SAVEPOINT job")
                    try job.work(db, &jobTally)
                    try db.run("RELEASE job")
                    tally.merge(jobTally)
                } catch {
                    errors[i] = error
                    try? db.run("ROLLBACK TO job")
                    try? db.run("RELEASE job")
                    // State cached from the undone statements (a new issue's id) must not outlive them.
                    rolledBack()
                }
            }
            try flush(db, tally)
            try db.run("COMMIT")
            committed()
        } catch {
            try? db.execute("ROLLBACK")
            rolledBack()
            for i in errors.indices where errors[i] == nil { errors[i] = error }
        }
        return (errors, false)
    }
}

/// What the jobs of one batch leave to be written once before COMMIT. A job adds to its own tally, which
/// joins the batch's only if the job's savepoint was released.
struct BatchTally {
    var outcomes = OutcomeTally()
    /// Stored events that belong to issues, in commit order, for the issue counters.
    var issueEvents: [IssueEvent] = []
    /// Every stored event's id, for `event_ids`; the keys also answer "stored earlier in this batch?".
    var storedEvents: [IssueAggregates.StoredEventID] = []
    var storedEventKeys: Set<IssueAggregates.EventKey> = []
    /// Errors and performance occurrences by their trace, for `trace_events`.
    var traceEvents: [IssueAggregates.TraceEventRow] = []
    /// Stored transactions of projects with metric alerts over them.
    var transactions: [MetricSample] = []

    mutating func add(_ o: Outcome) { outcomes.add(o) }

    mutating func merge(_ other: BatchTally) {
        outcomes.merge(other.outcomes)
        issueEvents += other.issueEvents
        storedEvents += other.storedEvents
        storedEventKeys.formUnion(other.storedEventKeys)
        traceEvents += other.traceEvents
        transactions += other.transactions
    }
}

/// Outcome counts summed over a batch, so each (project, hour, category, outcome, reason) is upserted once per
/// commit rather than once per request.
struct OutcomeTally {
    struct Key: Hashable {
        var projectID: Int
        var hour: Int
        var category: String
        var outcome: String
        var reason: String
    }

    private(set) var counts: [Key: Int] = [:]

    mutating func add(_ o: Outcome) {
        counts[Key(projectID: o.projectID, hour: Int(clamping: o.timestamp / 3600) * 3600, category: o.category,
                   outcome: o.outcome, reason: o.reason), default: 0].saturatingAdd(o.quantity)
    }

    mutating func merge(_ other: OutcomeTally) {
        for (key, value) in other.counts { counts[key, default: 0].saturatingAdd(value) }
    }
}

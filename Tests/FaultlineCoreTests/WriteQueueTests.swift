import Foundation
import SQLite
import Testing
@testable import FaultlineCore

@Suite struct WriteQueueTests {
    /// A queue on a fresh database whose flush records how many outcomes each batch summed (one per job).
    private func makeQueue(gatherWindow: Double = 0.001) throws -> (WriteQueue, SQLiteDatabase, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = try SQLiteDatabase(path: dir.appendingPathComponent("t.sqlite").path)
        try db.execute("CREATE TABLE t (v INTEGER UNIQUE); CREATE TABLE flushed (n INTEGER)")
        let queue = WriteQueue(db: db, gatherWindow: gatherWindow, flush: { db, tally in
            try db.run("INSERT INTO flushed (n) VALUES (?)", [tally.outcomes.counts.values.reduce(0, +)])
        })
        return (queue, db, dir)
    }

    /// Jobs that queue while one runs are committed together; one failing job in such a batch fails alone,
    /// and only the jobs that succeeded reach the batch's flush.
    @Test func failingJobInABatchFailsAlone() throws {
        let (queue, db, dir) = try makeQueue()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gate = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let errors = ErrorLog()
        // The first job holds the writer until the others are queued, so they form one batch (a batch that fails
        // is run again, so jobs must not depend on running once).
        done.enter()
        queue.submit({ _, _ in started.signal(); gate.wait() }) { _ in done.leave() }
        started.wait()
        for v in [1, 2, 2, 3] {
            done.enter()
            queue.submit({ db, tally in
                try db.run("INSERT INTO t (v) VALUES (?)", [v])
                tally.add(Outcome(projectID: 1, timestamp: 0, category: "error", outcome: "accepted"))
            }) { error in
                errors.add(v, error)
                done.leave()
            }
        }
        gate.signal()
        done.wait()
        queue.stop()

        #expect(try db.rows("SELECT v FROM t ORDER BY v", []) { $0.int(0) } == [1, 2, 3])
        #expect(errors.failed == [2])
        #expect(errors.succeeded.sorted() == [1, 2, 3])
        // The batch of four flushed three events (the first job's batch flushed none).
        #expect(try db.rows("SELECT n FROM flushed ORDER BY rowid", []) { $0.int(0) }.last == 3)
    }

    /// A batch waits for announced jobs, and only for them: with a gather window far longer than the test, two
    /// announced jobs submitted apart commit together, a withdrawn announcement ends the wait, and a job with
    /// nothing announced commits at once.
    @Test func batchWaitsOnlyForAnnouncedJobs() throws {
        let (queue, db, dir) = try makeQueue(gatherWindow: 60)
        defer { try? FileManager.default.removeItem(at: dir) }
        func submit(expected: Bool, _ done: DispatchGroup) {
            done.enter()
            queue.submit({ _, tally in
                tally.add(Outcome(projectID: 1, timestamp: 0, category: "error", outcome: "accepted"))
            }, expected: expected) { _ in done.leave() }
        }
        let start = Date()
        let both = DispatchGroup()
        queue.expect()
        queue.expect()
        submit(expected: true, both)
        Thread.sleep(forTimeInterval: 0.05)
        submit(expected: true, both)
        both.wait()

        let withdrawn = DispatchGroup()
        queue.expect()
        submit(expected: false, withdrawn)
        Thread.sleep(forTimeInterval: 0.05)
        queue.withdraw()
        withdrawn.wait()

        let alone = DispatchGroup()
        submit(expected: false, alone)
        alone.wait()
        queue.stop()
        #expect(Date().timeIntervalSince(start) < 30, "no commit waited out the 60 s window")
        #expect(try db.rows("SELECT n FROM flushed ORDER BY rowid", []) { $0.int(0) } == [2, 1, 1])
    }
}

private final class ErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var failed: [Int] = []
    private(set) var succeeded: [Int] = []

    func add(_ v: Int, _ error: (any Error)?) {
        lock.lock()
        defer { lock.unlock() }
        if error == nil { succeeded.append(v) } else { failed.append(v) }
    }
}

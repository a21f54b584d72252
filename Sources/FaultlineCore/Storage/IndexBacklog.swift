import SQLite

/// The index rows of flushed aggregates (`issue_events`, `event_ids`, `trace_events`) not yet written, in key
/// order, written a bounded piece per commit. Written whole with the counters, they made one commit every 500 ms
/// carry a row or two per event of the last half second (11–27 ms at 6,000 events/s), and every request in that
/// commit waited for them. They can trail the counters because writing them is idempotent (`OR IGNORE`):
/// `IssueAggregates.indexWatermarkKey` names the event through which they are all written, and a start after a
/// crash writes them again from there.
///
/// A value: the writer stages a changed copy in the running transaction and keeps it only if that commits. The
/// rows of a generation are never changed after it is added (a copy shares them); only the count written moves.
struct IndexBacklog {
    /// The index rows of one aggregate flush: the events through `through` that the counters already include.
    struct Generation {
        let events: [IssueAggregates.EventEntry]
        let eventIDs: [IssueAggregates.StoredEventID]
        let traceEvents: [IssueAggregates.TraceEventRow]
        /// Keys of `eventIDs`, for the duplicate check until the generation is written.
        let keys: Set<IssueAggregates.EventKey>
        let through: Int
        /// Rows written so far, counted over `events`, then `eventIDs`, then `traceEvents`.
        var written = 0

        var count: Int { events.count + eventIDs.count + traceEvents.count }
    }

    private(set) var generations: [Generation] = []

    var isEmpty: Bool { generations.isEmpty }

    /// Rows not yet written.
    var remaining: Int { generations.reduce(0) { $0 + $1.count - $1.written } }

    /// Whether an event id's row is waiting here.
    func contains(_ key: IssueAggregates.EventKey) -> Bool {
        generations.contains { $0.keys.contains(key) }
    }

    /// Queues a flush's rows (sorted here, so each piece touches one stretch of each index). A generation still
    /// queued from the flush before is written whole first: the backlog never holds more than one flush's rows,
    /// which at a piece per commit is written long before the next flush is due.
    mutating func add(events: [IssueAggregates.EventEntry], eventIDs: [IssueAggregates.StoredEventID],
                      traceEvents: [IssueAggregates.TraceEventRow], through: Int, _ db: SQLiteDatabase) throws {
        try write(db, limit: .max)
        let sortedIDs = eventIDs.sorted {
            ($0.key.projectID, $0.key.eventID.high, $0.key.eventID.low) < ($1.key.projectID, $1.key.eventID.high, $1.key.eventID.low)
        }
        generations.append(Generation(
            events: events.sorted { ($0.issueID, $0.timestamp, $0.row) < ($1.issueID, $1.timestamp, $1.row) },
            eventIDs: sortedIDs,
            traceEvents: traceEvents.sorted { ($0.traceID.high, $0.traceID.low, $0.row) < ($1.traceID.high, $1.traceID.low, $1.row) },
            keys: Set(sortedIDs.map(\.key)), through: through))
    }

    /// Writes up to `limit` rows, oldest generation first; a generation written to its end moves the index
    /// watermark to its `through` in the same transaction. A generation with no rows completes here at once.
    mutating func write(_ db: SQLiteDatabase, limit: Int) throws {
        var budget = max(0, limit)
        while var generation = generations.first {
            let start = generation.written
            let end = start + min(budget, generation.count - start)
            var offset = 0
            for (rows, writer) in [
                (generation.events.count, { (r: Range<Int>) in try IssueAggregates.writeEvents(generation.events[r], db) }),
                (generation.eventIDs.count, { (r: Range<Int>) in try IssueAggregates.writeEventIDs(generation.eventIDs[r], db) }),
                (generation.traceEvents.count, { (r: Range<Int>) in try IssueAggregates.writeTraceEvents(generation.traceEvents[r], db) }),
            ] as [(Int, (Range<Int>) throws -> Void)] {
                let lower = max(start, offset) - offset
                let upper = min(end, offset + rows) - offset
                if lower < upper { try writer(lower..<upper) }
                offset += rows
            }
            budget -= end - start
            generation.written = end
            guard end == generation.count else {
                generations[0] = generation
                return
            }
            try IssueAggregates.writeIndexWatermark(db, through: generation.through)
            generations.removeFirst()
        }
    }
}

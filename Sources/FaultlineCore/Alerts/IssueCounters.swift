/// An issue's events and distinct users over sliding windows, in amortized constant time per event: frequency
/// conditions ask for a count on every event of a hot issue (thousands a second), which must not mean walking
/// every event in the window.
struct IssueCounters {
    private var eventWindows: [Int: WindowCounter] = [:]
    private var userWindows: [Int: DistinctCounter] = [:]

    /// Counts the event (and its user) in every window the project's rules use; a window starts counting the first
    /// time it is asked for.
    mutating func add(user: String?, at second: Int, eventSpans: [Int], userSpans: [Int]) {
        for span in eventSpans { eventWindows[span, default: WindowCounter(span: span)].add(at: second) }
        for span in userSpans {
            if let user {
                userWindows[span, default: DistinctCounter(span: span)].add(user, at: second)
            } else {
                userWindows[span]?.prune(now: second)
            }
        }
    }

    func events(span: Int) -> Int { eventWindows[span]?.total ?? 0 }
    func users(span: Int) -> Int { userWindows[span]?.count ?? 0 }
}

/// Events per second in the last `span` seconds, kept as (second, count) buckets with a running total.
struct WindowCounter {
    let span: Int
    private var buckets: [(second: Int, count: Int)] = []
    private var head = 0
    private(set) var total = 0

    init(span: Int) { self.span = span }

    mutating func add(at second: Int) {
        if head < buckets.count, buckets[buckets.count - 1].second == second {
            buckets[buckets.count - 1].count += 1
        } else {
            buckets.append((second, 1))
        }
        total += 1
        prune(now: second)
    }

    mutating func prune(now second: Int) {
        while head < buckets.count, buckets[head].second <= second - span {
            total -= buckets[head].count
            head += 1
        }
        if head > 256, head * 2 > buckets.count {
            buckets.removeFirst(head)
            head = 0
        }
    }
}

/// Distinct users seen in the last `span` seconds, to a sixtieth of the span: each user's last slot, and a log of
/// (slot, user) that expires them in order.
struct DistinctCounter {
    let span: Int
    let slotSeconds: Int
    private var lastSlot: [String: Int] = [:]
    private var log: [(slot: Int, user: String)] = []
    private var head = 0

    init(span: Int) {
        self.span = span
        slotSeconds = max(1, span / 60)
    }

    var count: Int { lastSlot.count }

    mutating func add(_ user: String, at second: Int) {
        let slot = second / slotSeconds
        if lastSlot[user] != slot {
            lastSlot[user] = slot
            log.append((slot, user))
        }
        prune(now: second)
    }

    mutating func prune(now second: Int) {
        let oldest = (second - span) / slotSeconds
        while head < log.count, log[head].slot <= oldest {
            let entry = log[head]
            if lastSlot[entry.user] == entry.slot { lastSlot[entry.user] = nil }
            head += 1
        }
        if head > 256, head * 2 > log.count {
            log.removeFirst(head)
            head = 0
        }
    }
}

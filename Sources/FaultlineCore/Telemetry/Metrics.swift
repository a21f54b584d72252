import Synchronization

/// A histogram with fixed upper bounds, Prometheus-style (cumulative on export).
public final class Histogram: Sendable {
    public struct Snapshot: Sendable {
        public var bounds: [Double]
        public var counts: [Int]
        public var sum: Double
        public var count: Int
    }

    private let bounds: [Double]
    private let state: Mutex<Snapshot>

    public init(bounds: [Double]) {
        self.bounds = bounds
        self.state = Mutex(Snapshot(bounds: bounds, counts: Array(repeating: 0, count: bounds.count + 1), sum: 0, count: 0))
    }

    public func observe(_ value: Double) {
        let slot = bounds.firstIndex { value <= $0 } ?? bounds.count
        state.withLock {
            $0.counts[slot] += 1
            $0.sum += value
            $0.count += 1
        }
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
}

/// Counters and gauges keyed by name and labels, rendered in the Prometheus text format.
/// Passed in where needed; there is no global registry.
public final class Metrics: Sendable {
    /// A counter's name and label values. Labels are rendered only on export: building keys is on the hot path.
    public struct Key: Hashable, Sendable {
        public var name: String
        private var names: [String]
        private var values: [String]

        public init(_ name: String, _ labels: [(String, String)] = []) {
            self.name = name
            self.names = labels.map(\.0)
            self.values = labels.map(\.1)
        }

        var labels: [String] {
            zip(names, values).map { "\($0)=\"\(Metrics.escape($1))\"" }
        }
    }

    /// One counter. Hot paths resolve it once (`counter(_:)`) and keep it: an increment is then one atomic
    /// add, with no key to build or hash and no lock.
    public final class Counter: Sendable {
        private let count = Atomic<Int>(0)

        public func increment(by amount: Int = 1) {
            count.wrappingAdd(amount, ordering: .relaxed)
        }

        public var value: Int { count.load(ordering: .relaxed) }
    }

    private let counters = Mutex<[Key: Counter]>([:])
    private let help: [String: (type: String, text: String)]
    private let histograms = Mutex<[(String, String, Histogram)]>([])
    private let gauges = Mutex<[(String, String, @Sendable () -> Double)]>([])

    public init() {
        help = [
            "faultline_http_requests_total": ("counter", "HTTP requests answered, by route and status."),
            "faultline_events_accepted_total": ("counter", "Envelope items accepted, by data category."),
            "faultline_events_rejected_total": ("counter", "Requests or items rejected, by reason."),
            "faultline_items_dropped_total": ("counter", "Envelope items counted and dropped (types not stored yet)."),
        ]
    }

    /// The counter for `key`, created at zero the first time.
    public func counter(_ key: Key) -> Counter {
        counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter()
            counters[key] = counter
            return counter
        }
    }

    public func increment(_ key: Key, by amount: Int = 1) {
        counter(key).increment(by: amount)
    }

    public func value(_ key: Key) -> Int { counters.withLock { $0[key]?.value ?? 0 } }

    public func register(histogram: Histogram, name: String, help: String) {
        histograms.withLock { $0.append((name, help, histogram)) }
    }

    public func register(gauge name: String, help: String, _ read: @escaping @Sendable () -> Double) {
        gauges.withLock { $0.append((name, help, read)) }
    }

    /// The Prometheus text exposition format (version 0.0.4).
    public func render() -> String {
        var out = ""
        let snapshot = counters.withLock { $0 }.mapValues(\.value)
        let byName = Dictionary(grouping: snapshot, by: { $0.key.name })
        for name in byName.keys.sorted() {
            if let h = help[name] { out += "# HELP \(name) \(h.text)\n# TYPE \(name) \(h.type)\n" }
            for (key, value) in byName[name]!.sorted(by: { $0.key.labels.joined() < $1.key.labels.joined() }) {
                let labels = key.labels.isEmpty ? "" : "{\(key.labels.joined(separator: ","))}"
                out += "\(name)\(labels) \(value)\n"
            }
        }
        for (name, text, read) in gauges.withLock({ $0 }) {
            out += "# HELP \(name) \(text)\n# TYPE \(name) gauge\n\(name) \(format(read()))\n"
        }
        for (name, text, histogram) in histograms.withLock({ $0 }) {
            let s = histogram.snapshot
            out += "# HELP \(name) \(text)\n# TYPE \(name) histogram\n"
            var cumulative = 0
            for (i, bound) in s.bounds.enumerated() {
                cumulative += s.counts[i]
                out += "\(name)_bucket{le=\"\(format(bound))\"} \(cumulative)\n"
            }
            out += "\(name)_bucket{le=\"+Inf\"} \(s.count)\n\(name)_sum \(format(s.sum))\n\(name)_count \(s.count)\n"
        }
        return out
    }

    private func format(_ v: Double) -> String {
        v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    static func escape(_ value: String) -> String {
        // The common case (route patterns, reasons) needs no escaping; avoid Foundation's string search.
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

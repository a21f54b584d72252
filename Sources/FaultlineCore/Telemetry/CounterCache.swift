import Synchronization

/// Counters of one metric whose label values are known only per request (a route and a status, a data
/// category), found by a small key instead of a `Metrics.Key` built and hashed per increment.
public final class CounterCache<Label: Hashable & Sendable>: Sendable {
    private let metrics: Metrics
    private let key: @Sendable (Label) -> Metrics.Key
    private let counters = Mutex<[Label: Metrics.Counter]>([:])

    /// `key` names the metric and its labels for a label value; it runs once per distinct value.
    public init(_ metrics: Metrics, key: @escaping @Sendable (Label) -> Metrics.Key) {
        self.metrics = metrics
        self.key = key
    }

    public func counter(_ label: Label) -> Metrics.Counter {
        if let counter = counters.withLock({ $0[label] }) { return counter }
        let counter = metrics.counter(key(label))
        counters.withLock { $0[label] = counter }
        return counter
    }

    public func increment(_ label: Label, by amount: Int = 1) {
        counter(label).increment(by: amount)
    }
}

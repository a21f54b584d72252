import EventProcessing

/// Endpoints that got slower: each transaction name's p95 over the recent window against its baseline window. An
/// endpoint regressed when both windows hold enough transactions and the recent p95 is both relatively and absolutely
/// worse. (Sentry finds the breakpoint of a p95 series with a statistical test run by its ML service; Faultline
/// compares two windows with explicit thresholds, so that what opens an issue can be stated and tested.) Pure code.
public enum EndpointRegression {
    public struct Settings: Sendable, Equatable {
        /// Transactions each window needs before its p95 means anything.
        public var minSamples = 30
        /// The recent p95 over the baseline p95, at least (20 % slower).
        public var minRatio = 1.2
        /// And at least this many milliseconds slower.
        public var minIncreaseMS = 50.0

        public init() {}
    }

    /// Durations (ms) by transaction name in the baseline and recent windows → the regressions, worst first.
    public static func find(baseline: [String: [Double]], recent: [String: [Double]], settings: Settings = Settings())
        -> [PerformanceProblem] {
        var found: [(ratio: Double, problem: PerformanceProblem)] = []
        for (name, now) in recent where now.count >= settings.minSamples {
            guard let before = baseline[name], before.count >= settings.minSamples,
                  let p95Before = TransactionTable.percentile(before, 0.95),
                  let p95Now = TransactionTable.percentile(now, 0.95), p95Before > 0,
                  p95Now >= p95Before * settings.minRatio, p95Now - p95Before >= settings.minIncreaseMS else { continue }
            var problem = PerformanceProblem(kind: .endpointRegression, fingerprint: fingerprint(name), description: name)
            problem.baselineP95MS = p95Before
            problem.recentP95MS = p95Now
            problem.baselineCount = before.count
            problem.recentCount = now.count
            found.append((p95Now / p95Before, problem))
        }
        return found.sorted { $0.ratio != $1.ratio ? $0.ratio > $1.ratio : $0.problem.description < $1.problem.description }
            .map(\.problem)
    }

    /// One issue per endpoint: `1-1018-` and the hash of its name.
    public static func fingerprint(_ transaction: String) -> String {
        "1-\(PerformanceProblem.Kind.endpointRegression.typeID)-"
            + TraceRecords.group(op: PerformanceProblem.Kind.endpointRegression.rawValue, description: transaction)
    }
}

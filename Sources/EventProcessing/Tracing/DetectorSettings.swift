import SentryProtocol

/// A project's performance-detector settings: Sentry's documented defaults, changed per project through Sentry's
/// `performance-issues/configure/` route under Sentry's names (`n_plus_one_db_duration_threshold`, …) and ranges.
public struct DetectorSettings: Sendable, Equatable {
    /// N+1 DB: repeats, and their summed duration (Sentry: 5 and 50 ms).
    public var nPlusOneDBMinCount = 5
    public var nPlusOneDBMinDurationMS = 50.0
    /// N+1 API (browser transactions): repeats, their summed duration, and the most time between two starts.
    public var nPlusOneAPIMinCount = 5
    public var nPlusOneAPIMinDurationMS = 300.0
    public var nPlusOneAPIMaxGapMS = 15.0
    /// Slow DB query: a SELECT at least this long (Sentry: 500 ms).
    public var slowDBQueryMinDurationMS = 500.0
    /// Large HTTP payload: responses over this many bytes, on spans at least this long (Sentry: 300,000 B, 100 ms).
    public var largePayloadMinBytes = 300_000
    public var largePayloadMinDurationMS = 100.0
    /// Consecutive DB queries: the time running the independent ones in parallel would save (Sentry: 100 ms, and a
    /// tenth of the run's time), each independent query longer than 30 ms.
    public var consecutiveDBMinTimeSavedMS = 100.0
    public var consecutiveDBMinTimeSavedRatio = 0.1
    public var consecutiveDBMinSpanDurationMS = 30.0
    /// Uncompressed asset: a script or stylesheet of at least this many bytes, loading longer than this (Sentry:
    /// 512,000 B, 300 ms).
    public var uncompressedAssetMinBytes = 512_000
    public var uncompressedAssetMinDurationMS = 300.0
    public var enabled: Set<PerformanceProblem.Kind> = Set(PerformanceProblem.Kind.allCases)
    /// Sentry's hosted noise thresholds: open an issue only once a problem has been seen this many times
    /// (`PerformanceProblem.Kind.noiseThreshold`). Off by default: Faultline opens one at the first sighting.
    public var noiseThresholdsEnabled = false

    public init() {}

    /// How many sightings of a problem open its issue: 1 unless noise thresholds are on.
    public func sightingsBeforeIssue(_ kind: PerformanceProblem.Kind) -> Int {
        noiseThresholdsEnabled ? kind.noiseThreshold : 1
    }

    /// One setting under Sentry's name: a number within a range, or a detector's on/off switch.
    public struct Option {
        public enum Value { case number(ClosedRange<Double>, WritableKeyPath<DetectorSettings, Double>)
                                      case count(ClosedRange<Int>, WritableKeyPath<DetectorSettings, Int>)
                                      case detector(PerformanceProblem.Kind)
                                      case flag(WritableKeyPath<DetectorSettings, Bool>) }
        public var name: String
        public var value: Value
    }

    /// The settings, in the order the route lists them (Sentry's names and ranges; `noise_thresholds_enabled` is
    /// Faultline's).
    /// (Computed: key paths are not `Sendable`; read when settings are saved or loaded, not per event.)
    public static var options: [Option] { [
        Option(name: "n_plus_one_db_duration_threshold", value: .number(50...10_000, \.nPlusOneDBMinDurationMS)),
        Option(name: "slow_db_query_duration_threshold", value: .number(100...10_000, \.slowDBQueryMinDurationMS)),
        Option(name: "large_http_payload_size_threshold", value: .count(100_000...10_000_000, \.largePayloadMinBytes)),
        Option(name: "uncompressed_asset_duration_threshold", value: .number(100...10_000, \.uncompressedAssetMinDurationMS)),
        Option(name: "uncompressed_asset_size_threshold", value: .count(100_000...10_000_000, \.uncompressedAssetMinBytes)),
        Option(name: "consecutive_db_min_time_saved_threshold", value: .number(50...5_000, \.consecutiveDBMinTimeSavedMS)),
        Option(name: "n_plus_one_api_calls_total_duration_threshold", value: .number(100...10_000, \.nPlusOneAPIMinDurationMS)),
        Option(name: "n_plus_one_db_queries_detection_enabled", value: .detector(.nPlusOneDB)),
        Option(name: "n_plus_one_api_calls_detection_enabled", value: .detector(.nPlusOneAPI)),
        Option(name: "slow_db_queries_detection_enabled", value: .detector(.slowDBQuery)),
        Option(name: "large_http_payload_detection_enabled", value: .detector(.largeHTTPPayload)),
        Option(name: "consecutive_db_queries_detection_enabled", value: .detector(.consecutiveDB)),
        Option(name: "uncompressed_assets_detection_enabled", value: .detector(.uncompressedAsset)),
        Option(name: "transaction_duration_regression_detection_enabled", value: .detector(.endpointRegression)),
        Option(name: "noise_thresholds_enabled", value: .flag(\.noiseThresholdsEnabled)),
    ] }

    public enum UpdateError: Error, Equatable {
        case unknown(String)
        case invalid(String, String)

        public var message: String {
            switch self {
            case .unknown(let name): "'\(name)' is not a performance issue setting."
            case .invalid(let name, let expected): "'\(name)' must be \(expected)."
            }
        }
    }

    /// Applies `{name: value}` changes (a PUT body, or the stored overrides); every name known, every value in range.
    public mutating func apply(_ changes: JSONRef) throws(UpdateError) {
        guard changes.kind == .object else { throw .invalid("body", "a JSON object") }
        var failure: UpdateError?
        let options = Self.options
        changes.forEachMember { key, value in
            guard failure == nil else { return }
            let name = String(decoding: key, as: UTF8.self)
            guard let option = options.first(where: { $0.name == name }) else {
                failure = .unknown(String(name.prefix(64)))
                return
            }
            switch option.value {
            case .number(let range, let path):
                guard let n = value.double, range.contains(n) else {
                    failure = .invalid(name, "a number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
                    return
                }
                self[keyPath: path] = n
            case .count(let range, let path):
                guard let n = value.double, n.rounded() == n, n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
                    failure = .invalid(name, "a whole number from \(range.lowerBound) to \(range.upperBound)")
                    return
                }
                self[keyPath: path] = Int(n)
            case .detector(let kind):
                guard let on = value.bool else { failure = .invalid(name, "true or false"); return }
                if on { enabled.insert(kind) } else { enabled.remove(kind) }
            case .flag(let path):
                guard let on = value.bool else { failure = .invalid(name, "true or false"); return }
                self[keyPath: path] = on
            }
        }
        if let failure { throw failure }
    }

    /// Every setting under its name, as the route answers.
    public var json: JSONValue {
        .object(Self.options.map { option in
            switch option.value {
            case .number(_, let path): (option.name, .double(self[keyPath: path]))
            case .count(_, let path): (option.name, .int(self[keyPath: path]))
            case .detector(let kind): (option.name, .bool(enabled.contains(kind)))
            case .flag(let path): (option.name, .bool(self[keyPath: path]))
            }
        })
    }
}

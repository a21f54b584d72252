import EventProcessing
import Foundation
import SentryProtocol

/// What ingest needs to know about a project besides its key: how to scrub and how to group.
public struct ProjectConfig: Sendable {
    public var strategy: GroupingStrategy
    public var scrubbing: ScrubbingConfig
    public var fingerprintRules: FingerprintRules
    /// The project's stack-trace rules (Sentry's `groupingEnhancements`), run after the strategy's built-in ones.
    public var stackTraceRules: StackTraceRules
    /// The strategy the project grouped with before its last switch, and until when events are also grouped by it
    /// (Sentry's `secondaryGroupingConfig` / `secondaryGroupingExpiry`): so that a switch does not open a new issue for
    /// every known bug.
    public var secondary: (strategy: GroupingStrategy, expiry: Double)?
    /// The performance detectors' thresholds and switches (Sentry's defaults unless the project changed them).
    public var performance: DetectorSettings

    public init(strategy: GroupingStrategy = .latest, scrubbing: ScrubbingConfig = .default,
                fingerprintRules: FingerprintRules = .none, stackTraceRules: StackTraceRules = .none,
                performance: DetectorSettings = DetectorSettings()) {
        self.strategy = strategy
        self.scrubbing = scrubbing
        self.fingerprintRules = fingerprintRules
        self.stackTraceRules = stackTraceRules
        self.performance = performance
    }

    /// The option keys, named as Sentry's project details API names them.
    public enum Option {
        public static let dataScrubber = "dataScrubber"
        public static let dataScrubberDefaults = "dataScrubberDefaults"
        public static let sensitiveFields = "sensitiveFields"
        public static let safeFields = "safeFields"
        public static let scrubIPAddresses = "scrubIPAddresses"
        public static let fingerprintingRules = "fingerprintingRules"
        /// Stack-trace rules in Sentry's enhancement syntax (`stack.module:vendor/** -app`).
        public static let groupingEnhancements = "groupingEnhancements"
        /// Set by a strategy switch (not by clients): the strategy before it and the transition's end (Unix seconds).
        public static let secondaryGroupingConfig = "secondaryGroupingConfig"
        public static let secondaryGroupingExpiry = "secondaryGroupingExpiry"
        /// How long a switch's transition lasts (Sentry's first choice, 90 days).
        public static let transitionSeconds: Double = 90 * 86_400
        /// The changed detector settings, `{name: value}` under Sentry's names (`performance-issues/configure/`).
        public static let performanceIssueSettings = "performanceIssueSettings"
        /// The apdex / misery threshold (`transaction-threshold/configure/`): a `TransactionThreshold`, `{}` for none.
        public static let transactionThreshold = "transactionThreshold"
        public static let all = [dataScrubber, dataScrubberDefaults, sensitiveFields, safeFields, scrubIPAddresses,
                                 fingerprintingRules, groupingEnhancements]
    }

    /// The previous strategy while the transition lasts at `time`.
    public func secondaryStrategy(at time: Double) -> GroupingStrategy? {
        guard let secondary, time < secondary.expiry else { return nil }
        return secondary.strategy
    }

    /// Builds the config from stored option values (each a JSON text); unreadable values keep the default.
    public init(strategy: String?, options: [String: String]) {
        self.init()
        if let strategy, let s = GroupingStrategy(rawValue: strategy) { self.strategy = s }
        func json(_ key: String) -> JSONValue? {
            guard let text = options[key], let doc = try? JSONDocument(bytes: Array(text.utf8)) else { return nil }
            return doc.root.value
        }
        func bool(_ key: String) -> Bool? {
            if case .bool(let b)? = json(key) { return b }
            return nil
        }
        func strings(_ key: String) -> [String] {
            json(key)?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        scrubbing = ScrubbingConfig(enabled: bool(Option.dataScrubber) ?? true,
                                    useDefaults: bool(Option.dataScrubberDefaults) ?? true,
                                    sensitiveFields: strings(Option.sensitiveFields), safeFields: strings(Option.safeFields),
                                    scrubIPAddresses: bool(Option.scrubIPAddresses) ?? false)
        if let rules = json(Option.fingerprintingRules)?.stringValue {
            // Stored rules were validated when saved; a rule text that no longer parses groups by default.
            fingerprintRules = (try? FingerprintRules.parse(rules)) ?? .none
        }
        if let rules = json(Option.groupingEnhancements)?.stringValue {
            // Validated when saved, as fingerprint rules are.
            stackTraceRules = (try? StackTraceRuleParser.parse(rules)) ?? .none
        }
        if let name = json(Option.secondaryGroupingConfig)?.stringValue, let old = GroupingStrategy(rawValue: name),
           old != self.strategy {
            switch json(Option.secondaryGroupingExpiry) {
            case .int(let expiry)?: secondary = (old, Double(expiry))
            case .double(let expiry)?: secondary = (old, expiry)
            default: break
            }
        }
        if let text = options[Option.performanceIssueSettings], let doc = try? JSONDocument(bytes: Array(text.utf8)) {
            // Validated when saved; a value out of today's ranges keeps the defaults rather than failing ingest.
            var settings = DetectorSettings()
            if (try? settings.apply(doc.root)) != nil { performance = settings }
        }
    }
}

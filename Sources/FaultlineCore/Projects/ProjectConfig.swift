import EventProcessing
import Foundation
import SentryProtocol
import Synchronization

/// What ingest needs to know about a project besides its key: how to scrub and how to group.
public struct ProjectConfig: Sendable {
    public var strategy: GroupingStrategy
    public var scrubbing: ScrubbingConfig
    public var fingerprintRules: FingerprintRules

    public init(strategy: GroupingStrategy = .latest, scrubbing: ScrubbingConfig = .default,
                fingerprintRules: FingerprintRules = .none) {
        self.strategy = strategy
        self.scrubbing = scrubbing
        self.fingerprintRules = fingerprintRules
    }

    /// The option keys, named as Sentry's project details API names them.
    public enum Option {
        public static let dataScrubber = "dataScrubber"
        public static let dataScrubberDefaults = "dataScrubberDefaults"
        public static let sensitiveFields = "sensitiveFields"
        public static let safeFields = "safeFields"
        public static let scrubIPAddresses = "scrubIPAddresses"
        public static let fingerprintingRules = "fingerprintingRules"
        public static let all = [dataScrubber, dataScrubberDefaults, sensitiveFields, safeFields, scrubIPAddresses,
                                 fingerprintingRules]
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
    }
}

/// Project configs cached for a few seconds, like DSN keys: a settings change applies within the TTL.
final class ProjectConfigCache: Sendable {
    private struct Entry {
        let config: ProjectConfig
        let expires: Double
    }

    private let store: any FaultlineStore
    private let ttl: Double
    private let entries = Mutex<[Int: Entry]>([:])

    init(store: any FaultlineStore, ttl: Double = 5) {
        self.store = store
        self.ttl = ttl
    }

    func config(projectID: Int, now: Double = Date().timeIntervalSince1970) throws -> ProjectConfig {
        if let entry = entries.withLock({ $0[projectID] }), entry.expires > now { return entry.config }
        let config = try store.projectConfig(projectID: projectID)
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[projectID] = Entry(config: config, expires: now + ttl)
        }
        return config
    }

    func invalidate() {
        entries.withLock { $0.removeAll() }
    }
}

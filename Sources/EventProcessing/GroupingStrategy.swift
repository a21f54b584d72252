/// The grouping strategies Faultline knows. A released strategy is frozen: a project keeps the one it
/// started with, and a changed algorithm is a new id beside the old one (see Docs/grouping.md).
public enum GroupingStrategy: String, Sendable, CaseIterable {
    case v1 = "faultline:2026-11"
    /// Sentry's built-in stack-trace rules and JavaScript frame handling (`BuiltInGroupingRules`); opt-in per project.
    case v2 = "faultline:2026-12"
    /// Sentry's built-in stack-trace rules for every platform (`BuiltInStackTraceRules`), native/.NET name trimming,
    /// NSError domains and codes, the template component and the newer message patterns; opt-in per project.
    case v3 = "faultline:2026-12-03"

    /// What new projects start on; existing projects keep theirs until they switch (with a transition).
    public static let latest = GroupingStrategy.v3

    /// What the strategy changed, in a sentence (the grouping-configs API and the settings page show it).
    public var changelog: String {
        switch self {
        case .v1: "Stack traces by in-app frames (guessed from library paths when the SDK does not say), then exception type and value, then the parameterized message."
        case .v2: "Adds Sentry's JavaScript handling: a frame the SDK did not mark is not in-app, compiled-in helpers and runtime plumbing are ignored, functions count by their last segment, URL file names do not count, and ChunkLoadError is one issue."
        case .v3: "Adds Sentry's built-in stack-trace rules for every platform (native, Cocoa, Dart, JVM, Android, .NET, Ruby, PHP, Go), native and .NET name trimming, NSError domains and codes, template errors, the crashed thread, hydration errors and the newer message patterns."
        }
    }
}

/// Why an event landed where it did: the hash, which variant produced it, and the component tree.
public struct GroupingResult: Sendable {
    public var strategy: GroupingStrategy
    /// 32 hex digits (MD5 of the contributing values).
    public var hash: String
    /// `app` (in-app frames), `system` (all frames), `message`, `custom` (the SDK's fingerprint),
    /// `rule` (a project fingerprint rule) or `fallback` (nothing to group on).
    public var variant: String
    public var root: GroupingComponent
    /// The fingerprint values after variables were filled in (custom and rule variants).
    public var fingerprint: [String]?
    /// The project rule that matched, as written.
    public var matchedRule: String?
    /// A title the matched rule sets.
    public var title: String?
}

/// What ingest keeps of a grouping decision: the hash and how it was reached, without the component tree.
public struct GroupingKey: Sendable, Equatable {
    public var strategy: GroupingStrategy
    public var hash: String
    public var variant: String
    public var fingerprint: [String]?
    public var matchedRule: String?
    public var title: String?

    public init(strategy: GroupingStrategy, hash: String, variant: String, fingerprint: [String]? = nil,
                matchedRule: String? = nil, title: String? = nil) {
        self.strategy = strategy
        self.hash = hash
        self.variant = variant
        self.fingerprint = fingerprint
        self.matchedRule = matchedRule
        self.title = title
    }
}

extension GroupingResult {
    public var key: GroupingKey {
        GroupingKey(strategy: strategy, hash: hash, variant: variant, fingerprint: fingerprint, matchedRule: matchedRule,
                    title: title)
    }
}

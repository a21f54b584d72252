import Synchronization

/// An ordered list of stack-trace rules and how they change one stack trace's frames: whether each is in-app,
/// whether it counts for grouping, its category, and the stack's frame limits. Rules run top to bottom over all
/// frames, so a later rule overrides an earlier one; each change remembers the rule that made it, for the
/// "why is this event in this issue" explanation.
///
/// Cost is linear: every rule looks at every frame once (plus its caller and callee for sibling rules), and an
/// action that reaches the frames above or below a match is settled in one more pass, not once per match.
public struct StackTraceRules: Sendable {
    public let rules: [StackTraceRule]
    /// What this set decided for stacks it has seen (errors recur: most events repeat a known stack).
    let cache = StackRuleCache()
    let readsException: Bool
    /// For a stack whose frames are all of one family, the rules that can match it (in order): most built-in rules
    /// name a family, and a Python stack need not look at the native ones.
    let rulesByFamily: [StackTraceRule.Family: [Int]]

    public init(_ rules: [StackTraceRule]) {
        self.rules = rules
        var byFamily: [StackTraceRule.Family: [Int]] = [:]
        for family in [StackTraceRule.Family.native, .javascript, .other] {
            byFamily[family] = rules.indices.filter { i in
                let all = [rules[i].caller, rules[i].frame, rules[i].callee]
                // A rule whose frame (or caller, or callee) must be of other families never matches this one's frames.
                return all.allSatisfy { matchers in
                    matchers.allSatisfy { $0.field != .family || $0.negated || $0.families.contains(family) }
                }
            }
        }
        rulesByFamily = byFamily
        readsException = rules.contains(where: \.readsException)
    }

    public static let none = StackTraceRules([])
    public var isEmpty: Bool { rules.isEmpty }

    /// Rules read at most this many bytes of a frame's field: a real name or path is far shorter, and a hostile one
    /// (60 KB of `a` against `*a*a*a…b`) must not cost more than that per rule.
    static let maxFieldBytes = 1_024
    /// Rules run over at most this many frames of a stack, those nearest the crash (as Relay keeps 250 frames of a
    /// trimmed stack); frames beyond keep what the SDK said.
    static let maxFrames = 250

    /// A frame's fields as rules compare them, prepared once per frame: paths lower-cased with `/` separators.
    struct FrameView {
        var family: StackTraceRule.Family
        var paths: [String]
        var module: String
        var function: String
        var package: String
        var packageBase: String

        init(_ frame: StackFrame, eventPlatform: String) {
            family = .init(platform: frame.platform ?? eventPlatform)
            var paths: [String] = []
            if let abs = frame.absPath { paths.append(abs.boundedForRules.foldedPath) }
            if let file = frame.filename {
                let f = file.boundedForRules.foldedPath
                if !paths.contains(f) { paths.append(f) }
            }
            self.paths = paths
            module = (frame.module ?? "").boundedForRules
            function = (frame.function ?? "").boundedForRules
            package = (frame.package ?? "").boundedForRules.foldedPath
            packageBase = package.split(separator: "/").last.map(String.init) ?? package
        }
    }

    /// What rules decided for one frame while they run.
    struct FrameState: Sendable, Hashable {
        var inApp: Bool?
        var inAppRule: String?
        var ignoredBy: String?
        var category: String?
    }


    /// Runs the rules over one stack's frames (oldest call first). `inApp` starts as each frame's current value (the
    /// SDK's, or the strategy's guess); a frame's `ignoredBy` records the rule that took it out of grouping.
    func apply(to frames: inout [StackFrame], eventPlatform: String, exception: ExceptionContext?,
               limits: inout StackLimits, startingInApp: (StackFrame) -> Bool?) {
        guard !rules.isEmpty, !frames.isEmpty else { return }
        if frames.count > Self.maxFrames {
            // Only the frames nearest the crash meet the rules; the rest keep their state.
            let cut = frames.count - Self.maxFrames
            var tail = Array(frames[cut...])
            apply(to: &tail, eventPlatform: eventPlatform, exception: exception, limits: &limits, startingInApp: startingInApp)
            frames.replaceSubrange(cut..., with: tail)
            return
        }
        let states = frames.map { FrameState(inApp: startingInApp($0), inAppRule: $0.inAppRule, ignoredBy: $0.ignoredBy,
                                             category: $0.category) }
        let key = StackRuleCache.Key(frames: frames, states: states, eventPlatform: eventPlatform,
                                     exception: readsException ? exception : nil)
        let decision: StackRuleCache.Decision
        if let key, let known = cache.decision(for: key) {
            decision = known
        } else {
            decision = decide(frames, states: states, eventPlatform: eventPlatform, exception: exception)
            if let key { cache.remember(decision, for: key) }
        }
        for i in frames.indices {
            let state = decision.states[i]
            if let inApp = state.inApp { frames[i].inApp = inApp }
            frames[i].inAppRule = state.inAppRule
            frames[i].ignoredBy = state.ignoredBy
            frames[i].category = state.category
        }
        if let max = decision.limits.maxFrames { limits.maxFrames = max }
        if let min = decision.limits.minFrames { limits.minFrames = min }
    }

    func decide(_ frames: [StackFrame], states initial: [FrameState], eventPlatform: String,
                exception error: ExceptionContext?) -> StackRuleCache.Decision {
        let views = frames.map { FrameView($0, eventPlatform: eventPlatform) }
        var states = initial
        var limits = StackLimits()
        var matched: [Int] = []
        let family = views[0].family
        let candidates = views.allSatisfy({ $0.family == family }) ? (rulesByFamily[family] ?? []) : Array(rules.indices)
        for index in candidates {
            let rule = rules[index]
            let reach = Reaching(rule)
            var last: Int?
            for i in views.indices {
                // A `^` action of an earlier match reaches this frame before it is matched: Sentry applies a rule
                // match by match, so this frame's `app:` matcher reads the value the earlier match left.
                if last != nil { reach.applyUp(to: &states[i], rule: rule) }
                guard Self.matches(rule, at: i, views: views, states: states, error: error) else { continue }
                last = i
                // The matched frame's own changes apply at once (and win over a `^` from below).
                for action in rule.actions { Self.applyOwn(action, rule: rule, to: &states[i], limits: &limits) }
            }
            // A `v` action of the last match reaches every frame above it, matched or not, and is the last write there.
            if let last, reach.hasDown {
                for k in 0..<last { reach.applyDown(to: &states[k], rule: rule) }
            }
        }
        return StackRuleCache.Decision(states: states, limits: limits)
    }

    static func matches(_ rule: StackTraceRule, at i: Int, views: [FrameView], states: [FrameState],
                        error: ExceptionContext?) -> Bool {
        guard allMatch(rule.frame, views, states, i, error) else { return false }
        if !rule.caller.isEmpty {
            guard i > 0, allMatch(rule.caller, views, states, i - 1, error) else { return false }
        }
        if !rule.callee.isEmpty {
            guard i + 1 < views.count, allMatch(rule.callee, views, states, i + 1, error) else { return false }
        }
        return true
    }

    static func allMatch(_ matchers: [StackTraceRule.Matcher], _ views: [FrameView], _ states: [FrameState], _ i: Int,
                         _ error: ExceptionContext?) -> Bool {
        for j in matchers.indices where matches(matchers[j], views, states, i, error) == matchers[j].negated { return false }
        return true
    }

    static func matches(_ m: StackTraceRule.Matcher, _ views: [FrameView], _ states: [FrameState], _ i: Int,
                        _ error: ExceptionContext?) -> Bool {
        switch m.field {
        case .family: return m.families.contains(views[i].family)
        case .path:
            // A pattern without `/` names a file: it is also tried on the last path element.
            if views[i].paths.isEmpty { return m.pattern.matches("") }
            for path in views[i].paths {
                if m.pattern.matches(path) || (!m.patternHasSlash && m.pattern.matches(path.lastPathElement)) { return true }
            }
            return false
        case .module: return m.pattern.matches(views[i].module)
        case .function: return m.pattern.matches(views[i].function)
        case .package:
            return m.pattern.matches(views[i].package) || (!m.patternHasSlash && m.pattern.matches(views[i].packageBase))
        case .app: return states[i].inApp == m.app
        case .category: return m.pattern.matches(states[i].category ?? "")
        case .errorType: return error.map { m.pattern.matches($0.type) } ?? false
        case .errorValue: return error.map { m.pattern.matches($0.value) } ?? false
        case .errorMechanism: return error.map { m.pattern.matches($0.mechanism) } ?? false
        }
    }

    static func applyOwn(_ action: StackTraceRule.Action, rule: StackTraceRule, to state: inout FrameState,
                         limits: inout StackLimits) {
        switch action {
        case .inApp(let value, .frame): set(value, inApp: &state, rule: rule)
        case .group(let value, .frame): set(value, group: &state, rule: rule)
        case .category(let name): state.category = name
        case .maxFrames(let n): limits.maxFrames = (n, rule.text)
        case .minFrames(let n): limits.minFrames = (n, rule.text)
        case .inApp, .group, .invertStacktrace: break
        }
    }

    /// A rule's actions that reach past the matched frame: `^` toward the crash, `v` toward the callers (the last
    /// of each kind in the rule wins, as it would be applied last).
    struct Reaching {
        var appUp: Bool?, appDown: Bool?, groupUp: Bool?, groupDown: Bool?

        init(_ rule: StackTraceRule) {
            for action in rule.actions {
                switch action {
                case .inApp(let v, .callees): appUp = v
                case .inApp(let v, .callers): appDown = v
                case .group(let v, .callees): groupUp = v
                case .group(let v, .callers): groupDown = v
                default: break
                }
            }
        }

        var hasDown: Bool { appDown != nil || groupDown != nil }

        func applyUp(to state: inout FrameState, rule: StackTraceRule) {
            if let v = appUp { StackTraceRules.set(v, inApp: &state, rule: rule) }
            if let v = groupUp { StackTraceRules.set(v, group: &state, rule: rule) }
        }

        func applyDown(to state: inout FrameState, rule: StackTraceRule) {
            if let v = appDown { StackTraceRules.set(v, inApp: &state, rule: rule) }
            if let v = groupDown { StackTraceRules.set(v, group: &state, rule: rule) }
        }
    }

    static func set(_ value: Bool, inApp state: inout FrameState, rule: StackTraceRule) {
        state.inApp = value
        state.inAppRule = rule.inAppNote
    }

    static func set(_ value: Bool, group state: inout FrameState, rule: StackTraceRule) {
        state.ignoredBy = value ? nil : rule.ignoredNote
    }
}

/// The exception a stack trace belongs to, as `error.type`, `error.value` and `error.mechanism` matchers read it.
struct ExceptionContext {
    var type: String
    var value: String
    var mechanism: String

    init(_ e: EventFacts.ExceptionFacts) {
        type = e.type ?? ""
        value = (e.value ?? "").lowercased()
        mechanism = e.mechanismType ?? ""
    }
}

/// What a set of rules decided for stacks it has already seen, keyed by everything the rules read: the frames' fields,
/// their state on entry and (for rules that read it) the exception. Bounded: when full it starts over.
final class StackRuleCache: Sendable {
    static let capacity = 4_096

    struct FrameKey: Hashable, Sendable {
        var platform: String?
        var function: String?
        var module: String?
        var absPath: String?
        var filename: String?
        var package: String?
    }

    /// Stacks whose text is larger than this are decided without the cache: it holds at most
    /// `capacity` × `maxKeyBytes` (64 MiB) of frame text however large events are.
    static let maxKeyBytes = 16 * 1024

    struct Key: Hashable, Sendable {
        var eventPlatform: String
        var frames: [FrameKey]
        var states: [StackTraceRules.FrameState]
        var exception: [String]?
        /// Hashed once, outside the lock (the dictionary asks for it on every lookup).
        let hashValueCache: Int

        /// Nil for a stack too large to keep.
        init?(frames: [StackFrame], states: [StackTraceRules.FrameState], eventPlatform: String, exception: ExceptionContext?) {
            var bytes = 0
            for f in frames {
                bytes += (f.function?.utf8.count ?? 0) + (f.module?.utf8.count ?? 0) + (f.absPath?.utf8.count ?? 0)
                    + (f.filename?.utf8.count ?? 0) + (f.package?.utf8.count ?? 0) + 16
                if bytes > StackRuleCache.maxKeyBytes { return nil }
            }
            self.eventPlatform = eventPlatform
            self.frames = frames.map {
                FrameKey(platform: $0.platform, function: $0.function, module: $0.module, absPath: $0.absPath,
                         filename: $0.filename, package: $0.package)
            }
            self.states = states
            self.exception = exception.map { [$0.type, $0.value, $0.mechanism] }
            var hasher = Hasher()
            hasher.combine(eventPlatform)
            hasher.combine(self.frames)
            hasher.combine(states)
            hasher.combine(self.exception)
            hashValueCache = hasher.finalize()
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hashValueCache) }

        static func == (a: Key, b: Key) -> Bool {
            a.hashValueCache == b.hashValueCache && a.eventPlatform == b.eventPlatform && a.frames == b.frames
                && a.states == b.states && a.exception == b.exception
        }
    }

    struct Decision: Sendable {
        var states: [StackTraceRules.FrameState]
        var limits: StackLimits
    }

    private let entries = Mutex<[Key: Decision]>([:])

    func decision(for key: Key) -> Decision? { entries.withLock { $0[key] } }

    func remember(_ decision: Decision, for key: Key) {
        entries.withLock {
            if $0.count >= Self.capacity { $0.removeAll(keepingCapacity: true) }
            $0[key] = decision
        }
    }
}

/// What `max-frames` and `min-frames` set for one stack trace, and the rule that set each.
public struct StackLimits: Sendable, Equatable {
    var maxFrames: (Int, String)?
    var minFrames: (Int, String)?

    public init() {}

    public static func == (a: StackLimits, b: StackLimits) -> Bool {
        a.maxFrames?.0 == b.maxFrames?.0 && a.maxFrames?.1 == b.maxFrames?.1
            && a.minFrames?.0 == b.minFrames?.0 && a.minFrames?.1 == b.minFrames?.1
    }

    var isEmpty: Bool { maxFrames == nil && minFrames == nil }
}

extension String {
    /// At most `StackTraceRules.maxFieldBytes` of UTF-8, cut on a character boundary; short texts are not copied.
    var boundedForRules: String {
        guard utf8.count > StackTraceRules.maxFieldBytes else { return self }
        var end = utf8.index(utf8.startIndex, offsetBy: StackTraceRules.maxFieldBytes)
        while end > utf8.startIndex, UTF8.isContinuation(utf8[end]) { end = utf8.index(before: end) }
        return String(self[..<end])
    }

    /// Lower-cased with `/` separators; a path that is already so (the usual case) is returned as it is, without a copy.
    var foldedPath: String {
        if !utf8.contains(where: { ($0 >= 65 && $0 <= 90) || $0 >= 0x80 || $0 == UInt8(ascii: "\\") }) { return self }
        return lowercased().replacingBackslashes()
    }

    var lastPathElement: String {
        guard let slash = lastIndex(of: "/") else { return self }
        return String(self[index(after: slash)...])
    }
}

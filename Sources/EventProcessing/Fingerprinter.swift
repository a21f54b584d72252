import Crypto
import SentryProtocol

/// Computes an event's grouping hash the way Sentry's default grouping does: the custom fingerprint if
/// any (a project rule first, then the SDK's), else the stack traces' in-app frames, else the exception
/// type (and its value when no frame contributes), else the parameterized message.
public enum Fingerprinter {
    /// The whole decision with its component tree (the grouping explanation; components kept per new hash).
    /// `explain: false` leaves out the details of parts that do not count; the hash is the same.
    public static func group(_ facts: EventFacts, rules: FingerprintRules = .none, stackTraceRules: StackTraceRules = .none,
                             strategy: GroupingStrategy = .latest, explain: Bool = true) -> GroupingResult {
        let facts = GroupingPreprocessor.prepare(facts, strategy: strategy, rules: stackTraceRules)
        let (defaultRoot, defaultVariant) = defaultComponents(facts, strategy: strategy, explain: explain)
        guard let chosen = fingerprint(facts, rules: rules, strategy: strategy) else {
            return GroupingResult(strategy: strategy, hash: hash(defaultRoot), variant: defaultVariant,
                                  root: defaultRoot)
        }
        var values: [String] = []
        var children: [GroupingComponent] = []
        for entry in chosen.fingerprint {
            if FingerprintVariables.isDefault(entry) {
                values += defaultRoot.contributingValues
                children.append(defaultRoot)
            } else {
                let expanded = FingerprintVariables.expand(entry, facts: facts)
                values.append(expanded)
                children.append(.leaf("fingerprint-value", expanded))
            }
        }
        let root = GroupingComponent(id: "fingerprint", contributes: true,
                                     hint: chosen.variant == "rule" ? "project fingerprint rule"
                                        : chosen.variant == "built-in" ? "built-in fingerprint rule" : "custom fingerprint from the SDK",
                                     children: children)
        return GroupingResult(strategy: strategy, hash: hash(values), variant: chosen.variant, root: root,
                              fingerprint: values, matchedRule: chosen.matchedRule, title: chosen.title)
    }

    /// The same decision as `group`, for ingest: the contributing values are collected and hashed directly,
    /// without building the component tree (that took most of grouping's time per event).
    public static func key(_ facts: EventFacts, rules: FingerprintRules = .none, stackTraceRules: StackTraceRules = .none,
                           strategy: GroupingStrategy = .latest) -> GroupingKey {
        let facts = GroupingPreprocessor.prepare(facts, strategy: strategy, rules: stackTraceRules)
        guard let chosen = fingerprint(facts, rules: rules, strategy: strategy) else {
            let (values, variant) = defaultValues(facts, strategy: strategy)
            return GroupingKey(strategy: strategy, hash: hash(values), variant: variant)
        }
        var values: [String] = []
        var defaults: [String]?
        for entry in chosen.fingerprint {
            if FingerprintVariables.isDefault(entry) {
                if defaults == nil { defaults = defaultValues(facts, strategy: strategy).values }
                values += defaults ?? []
            } else {
                values.append(FingerprintVariables.expand(entry, facts: facts))
            }
        }
        return GroupingKey(strategy: strategy, hash: hash(values), variant: chosen.variant, fingerprint: values,
                           matchedRule: chosen.matchedRule, title: chosen.title)
    }

    /// A fingerprint that replaces the default grouping: a project rule's first, else the SDK's own (unless it
    /// is just `{{ default }}`).
    private static func fingerprint(_ facts: EventFacts, rules: FingerprintRules, strategy: GroupingStrategy)
        -> (fingerprint: [String], variant: String, matchedRule: String?, title: String?)? {
        if let rule = rules.firstMatch(facts) {
            return (rule.fingerprint, "rule", rule.source, rule.title.map { FingerprintVariables.expand($0, facts: facts) })
        }
        if let sent = facts.fingerprint, !(sent.count == 1 && FingerprintVariables.isDefault(sent[0])) {
            return (sent, "custom", nil, nil)
        }
        if strategy != .v1, let builtIn = BuiltInGroupingRules.fingerprint(facts, strategy: strategy) {
            return (builtIn.fingerprint, "built-in", builtIn.rule, nil)
        }
        return nil
    }

    /// MD5 over the values, each ended by a NUL so `["ab","c"]` and `["a","bc"]` differ.
    static func hash(_ values: [String]) -> String {
        var md5 = Insecure.MD5()
        for value in values { add(value, to: &md5) }
        return hex(md5.finalize())
    }

    /// The same hash, taken straight from a component tree.
    static func hash(_ root: GroupingComponent) -> String {
        var md5 = Insecure.MD5()
        root.forEachContributingValue { add($0, to: &md5) }
        return hex(md5.finalize())
    }

    private static func add(_ value: String, to md5: inout Insecure.MD5) {
        var v = value
        v.withUTF8 { md5.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { md5.update(bufferPointer: $0) }
    }

    private static func hex(_ digest: Insecure.MD5Digest) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 32) { out in
            var i = 0
            for byte in digest {
                out[i] = digits.utf8Start[Int(byte >> 4)]
                out[i + 1] = digits.utf8Start[Int(byte & 0xF)]
                i += 2
            }
            return 32
        }
    }

    // MARK: Default grouping

    static func defaultComponents(_ facts: EventFacts, strategy: GroupingStrategy = .latest,
                                  explain: Bool = true) -> (GroupingComponent, String) {
        if !facts.exceptions.isEmpty {
            var inApp = facts.exceptions.contains { $0.frames.contains(where: \.inApp) }
            var node = exceptionsComponent(facts, appOnly: inApp, strategy: strategy, explain: explain)
            // v3, as Sentry: an app variant whose stack traces all fell away loses to a system variant that has one.
            if strategy == .v3, inApp, !node.hasContributing("stacktrace") {
                let system = exceptionsComponent(facts, appOnly: false, strategy: strategy, explain: explain)
                if system.hasContributing("stacktrace") {
                    node = system
                    inApp = false
                }
            }
            if node.contributes { return (node, inApp ? "app" : "system") }
        }
        if !facts.threadFrames.isEmpty {
            let inApp = facts.threadFrames.contains(where: \.inApp)
            let stack = stacktraceComponent(facts.threadFrames, platform: facts.platform, appOnly: inApp,
                                            limits: facts.threadLimits, explain: explain)
            if stack.contributes { return (.node("threads", [stack]), inApp ? "app" : "system") }
        }
        if strategy == .v3, let node = templateComponent(facts), node.contributes { return (node, "template") }
        if let message = facts.messageTemplate ?? facts.messageFormatted {
            let node = messageComponent(message, strategy: strategy)
            if node.contributes { return (node, "message") }
        }
        return (GroupingComponent(id: "fallback", contributes: false, hint: "nothing to group on"), "fallback")
    }

    /// The values `defaultComponents` would contribute, in the same order, collected without the tree. Kept in
    /// step with it by the golden tests, which check that both give every event the same hash.
    static func defaultValues(_ facts: EventFacts, strategy: GroupingStrategy = .latest) -> (values: [String], variant: String) {
        var values: [String] = []
        if !facts.exceptions.isEmpty {
            var inApp = facts.exceptions.contains { $0.frames.contains(where: \.inApp) }
            var anyStack = appendExceptionValues(facts, appOnly: inApp, strategy: strategy, to: &values)
            if strategy == .v3, inApp, !anyStack {
                var system: [String] = []
                anyStack = appendExceptionValues(facts, appOnly: false, strategy: strategy, to: &system)
                if anyStack {
                    values = system
                    inApp = false
                }
            }
            if !values.isEmpty { return (values, inApp ? "app" : "system") }
        }
        if !facts.threadFrames.isEmpty {
            let inApp = facts.threadFrames.contains(where: \.inApp)
            appendStackValues(facts.threadFrames, platform: facts.platform, appOnly: inApp, limits: facts.threadLimits, to: &values)
            if !values.isEmpty { return (values, inApp ? "app" : "system") }
        }
        if strategy == .v3, let node = templateComponent(facts), node.contributes {
            return (node.contributingValues, "template")
        }
        if let message = facts.messageTemplate ?? facts.messageFormatted {
            return ([normalizeMessage(message, strategy: strategy)], "message")
        }
        return ([], "fallback")
    }

    /// Appends the exceptions' values; answers whether any stack trace contributed.
    @discardableResult
    private static func appendExceptionValues(_ facts: EventFacts, appOnly: Bool, strategy: GroupingStrategy,
                                              to values: inout [String]) -> Bool {
        let hasGroups = facts.exceptions.contains(where: \.isExceptionGroup)
        var seen: Set<ArraySlice<String>> = []
        var anyStack = false
        for exception in facts.exceptions {
            let start = values.count
            if !exception.frames.isEmpty {
                appendStackValues(exception.frames, platform: facts.platform, appOnly: appOnly, limits: exception.limits,
                                  to: &values)
            }
            let stackContributes = values.count > start
            if !exception.synthetic, let type = exception.type { values.append(type) }
            var nsErrorContributes = false
            if strategy == .v3, let ns = exception.nsError {
                if let domain = ns.domain { values.append(domain) }
                if let code = ns.code { values.append(code) }
                nsErrorContributes = true
            }
            if !stackContributes, !nsErrorContributes, let value = exception.value {
                values.append(normalizeMessage(value, strategy: strategy))
            }
            if hasGroups && (exception.isExceptionGroup || !seen.insert(values[start...]).inserted) {
                values.removeSubrange(start...)
            } else if stackContributes {
                anyStack = true
            }
        }
        return anyStack
    }

    private static func appendStackValues(_ frames: [StackFrame], platform: String, appOnly: Bool, limits: StackLimits,
                                          to values: inout [String]) {
        if !limits.isEmpty {
            let contributing = contributingFrames(frames, appOnly: appOnly, limits: limits)
            for i in frames.indices where contributing[i] == nil {
                FrameNormalizer.appendValues(frames[i], platform: frames[i].platform ?? platform, to: &values)
            }
            return
        }
        // By index: keeping the previous frame in a variable copied (and retained) all its strings per frame.
        for i in frames.indices {
            let skip = (appOnly && !frames[i].inApp) || frames[i].ignoredBy != nil
                || (i > 0 && isRecursion(frames[i - 1], frames[i]))
            if !skip { FrameNormalizer.appendValues(frames[i], platform: frames[i].platform ?? platform, to: &values) }
        }
    }

    /// Why each frame does not count (nil: it counts), with the stack's `max-frames` and `min-frames` applied: only the
    /// N counting frames nearest the crash stay, and too few counting frames count for nothing.
    static func contributingFrames(_ frames: [StackFrame], appOnly: Bool, limits: StackLimits) -> [String?] {
        var reasons: [String?] = frames.indices.map { i in
            frames[i].ignoredBy ?? (appOnly && !frames[i].inApp ? notInAppHint(frames[i])
                : i > 0 && isRecursion(frames[i - 1], frames[i]) ? "recursion" : nil)
        }
        // 0 is no limit (a rule that sets it undoes an earlier one).
        if let (limit, rule) = limits.maxFrames, limit > 0 {
            var kept = 0
            for i in frames.indices.reversed() where reasons[i] == nil {
                if kept >= limit { reasons[i] = "ignored because only \(limit) frames are considered (\(rule))" }
                kept += 1
            }
        }
        if let (minimum, rule) = limits.minFrames {
            let counting = reasons.filter { $0 == nil }.count
            if counting > 0 && counting < minimum {
                for i in frames.indices where reasons[i] == nil {
                    reasons[i] = "ignored because fewer than \(minimum) frames are considered (\(rule))"
                }
            }
        }
        return reasons
    }

    static func notInAppHint(_ frame: StackFrame) -> String {
        frame.inAppRule.map { "not in-app (\($0))" } ?? "not in-app"
    }

    /// Every exception of a chain contributes; for exception groups the group wrappers do not, and each
    /// distinct leaf counts once (the same failures in a batch of 3 or of 30 are one issue).
    static func exceptionsComponent(_ facts: EventFacts, appOnly: Bool, strategy: GroupingStrategy = .latest,
                                    explain: Bool = true) -> GroupingComponent {
        let hasGroups = facts.exceptions.contains(where: \.isExceptionGroup)
        var children: [GroupingComponent] = []
        var seen: Set<[String]> = []
        for exception in facts.exceptions {
            var component = exceptionComponent(exception, platform: facts.platform, appOnly: appOnly, strategy: strategy,
                                               explain: explain)
            if hasGroups {
                if exception.isExceptionGroup {
                    component.contributes = false
                    component.hint = "exception group: its leaf exceptions are grouped instead"
                } else if !seen.insert(component.contributingValues).inserted {
                    component.contributes = false
                    component.hint = "same as an earlier exception of the group"
                }
            }
            children.append(component)
        }
        if children.count == 1 { return children[0] }
        return .node("chained-exception", children)
    }

    static func exceptionComponent(_ e: EventFacts.ExceptionFacts, platform: String, appOnly: Bool,
                                   strategy: GroupingStrategy = .latest, explain: Bool = true) -> GroupingComponent {
        let stack = stacktraceComponent(e.frames, platform: platform, appOnly: appOnly, limits: e.limits, explain: explain)
        var children: [GroupingComponent] = []
        if !e.frames.isEmpty { children.append(stack) }
        if e.synthetic {
            children.append(GroupingComponent(id: "type", contributes: false, hint: "synthetic exception type", value: e.type))
        } else {
            children.append(.leaf("type", e.type))
        }
        var nsError: GroupingComponent?
        if strategy == .v3, let ns = e.nsError {
            let node = GroupingComponent.node("ns-error", [.leaf("domain", ns.domain), .leaf("code", ns.code)])
            children.append(node)
            nsError = node
        }
        if stack.contributes {
            children.append(GroupingComponent(id: "value", contributes: false, hint: "stack trace takes precedence",
                                              value: e.value))
        } else if nsError?.contributes == true {
            children.append(GroupingComponent(id: "value", contributes: false, hint: "NSError domain and code take precedence",
                                              value: e.value))
        } else if let value = e.value {
            children.append(.leaf("value", normalizeMessage(value, strategy: strategy)))
        }
        return .node("exception", children)
    }

    static func stacktraceComponent(_ frames: [StackFrame], platform: String, appOnly: Bool, limits: StackLimits = StackLimits(),
                                    explain: Bool = true) -> GroupingComponent {
        var children: [GroupingComponent] = []
        children.reserveCapacity(frames.count)
        let reasons = contributingFrames(frames, appOnly: appOnly, limits: limits)
        for (i, frame) in frames.enumerated() {
            // A rule's reason first: it is why such a frame is not in-app either.
            let skip = reasons[i]
            var component: GroupingComponent
            if let skip, !explain {
                component = GroupingComponent(id: "frame", contributes: false, hint: skip)
            } else {
                component = FrameNormalizer.component(frame, platform: frame.platform ?? platform, explain: explain)
                if let skip {
                    component.contributes = false
                    component.hint = skip
                } else if frame.inApp, let rule = frame.inAppRule, explain {
                    // It counts because a rule made it the application's: say which (the hash does not read hints).
                    component.hint = "marked in-app by \(rule)"
                }
            }
            children.append(component)
        }
        return .node("stacktrace", children)
    }

    /// Strategy v3: a template error (Django's `template` interface) groups on the template's file name and the line.
    static func templateComponent(_ facts: EventFacts) -> GroupingComponent? {
        guard facts.templateFile != nil || facts.templateLine != nil else { return nil }
        var children: [GroupingComponent] = []
        if let file = facts.templateFile { children.append(.leaf("filename", FrameNormalizer.basename(file))) }
        if let line = facts.templateLine {
            let collapsed = FrameNormalizer.collapseWhitespace(line)
            if !collapsed.isEmpty { children.append(.leaf("context-line", collapsed)) }
        }
        return .node("template", children)
    }

    static func isRecursion(_ a: StackFrame, _ b: StackFrame) -> Bool {
        a.absPath == b.absPath && a.package == b.package && a.module == b.module && a.filename == b.filename
            && a.function == b.function && a.lineno == b.lineno && a.colno == b.colno
    }

    static func messageComponent(_ message: String, strategy: GroupingStrategy = .latest) -> GroupingComponent {
        .node("message", [.leaf("message", normalizeMessage(message, strategy: strategy))])
    }

    /// The first two non-empty lines (with `...` when cut), then parameterized.
    static func normalizeMessage(_ text: String, strategy: GroupingStrategy = .latest) -> String {
        let patterns: Parameterizer.Patterns = strategy == .v3 ? .extended : .classic
        if !text.anyByte({ ($0 >= 0x0A && $0 <= 0x0D) || $0 >= 0x80 }) {
            // One ASCII line (the common case): trim it without splitting into Characters.
            let trimmed = Substring(text).trimmingWhitespace()
            return Parameterizer.parameterize(trimmed.utf8.count == text.utf8.count ? text : String(trimmed), patterns: patterns)
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        var kept = lines.prefix(2).joined(separator: "\n")
        if lines.count > 2 { kept += "..." }
        return Parameterizer.parameterize(kept, patterns: patterns)
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

extension GroupingResult {
    /// What is kept per hash: the variant, the rule or fingerprint, and the contributing components.
    public func componentsJSON() -> [UInt8] {
        let g = self
        var w = JSONWriter(capacity: 512)
        w.raw("{\"variant\":")
        w.string(g.variant)
        if let rule = g.matchedRule {
            w.raw(",\"rule\":")
            w.string(rule)
        }
        if let fp = g.fingerprint {
            w.raw(",\"fingerprint\":")
            w.value(.array(fp.map { .string($0) }))
        }
        w.raw(",\"component\":")
        g.root.write(into: &w, contributingOnly: true)
        w.raw("}")
        return w.bytes
    }
}

/// What a grouping strategy does to an event's frames before the fingerprinter reads them: per-platform name
/// normalization, the strategy's built-in stack-trace rules, then the project's own rules (which run last, so they
/// win), and the in-app default.
///
/// - v1 (`faultline:2026-11`): only the project's rules, over v1's guessed in-app flags.
/// - v2 (`faultline:2026-12`): `BuiltInGroupingRules`, then the project's rules.
/// - v3 (`faultline:2026-12-03`): native and .NET names trimmed (`FunctionNameTrimmer`), JVM generated class names made
///   stable, `BuiltInStackTraceRules.v3` and the project's rules, a frame no one marked is not in-app, then
///   JavaScript's frame handling; the crashed thread's stack when there are several threads.
public enum GroupingPreprocessor {
    public static func prepare(_ facts: EventFacts, strategy: GroupingStrategy, rules: StackTraceRules) -> EventFacts {
        switch strategy {
        case .v1:
            guard !rules.isEmpty else { return facts }
            var facts = facts
            applying([rules], to: &facts, startingInApp: { $0.inApp })
            return facts
        case .v2:
            var prepared = BuiltInGroupingRules.apply(facts)
            if !rules.isEmpty { applying([rules], to: &prepared, startingInApp: { $0.inApp }) }
            return prepared
        case .v3:
            var facts = facts
            v3(&facts, rules: rules)
            return facts
        }
    }

    static func applying(_ sets: [StackTraceRules], to facts: inout EventFacts, startingInApp: (StackFrame) -> Bool?) {
        let platform = facts.platform
        // Only a set with `error.*` matchers reads the exception (its value lower-cased): most events skip that work.
        let readsException = sets.contains(where: \.readsException)
        for i in facts.exceptions.indices {
            var limits = StackLimits()
            let exception = readsException ? ExceptionContext(facts.exceptions[i]) : nil
            for set in sets {
                set.apply(to: &facts.exceptions[i].frames, eventPlatform: platform, exception: exception,
                          limits: &limits, startingInApp: startingInApp)
            }
            facts.exceptions[i].limits = limits
        }
        var limits = StackLimits()
        for set in sets {
            set.apply(to: &facts.threadFrames, eventPlatform: platform, exception: nil, limits: &limits,
                      startingInApp: startingInApp)
        }
        facts.threadLimits = limits
    }

    static func v3(_ facts: inout EventFacts, rules: StackTraceRules) {
        if let crashed = facts.selectedThreadFrames { facts.threadFrames = crashed }
        let platform = facts.platform
        // In place, frame by frame: the frames are copied once at most (copy-on-write), not once per pass.
        for e in facts.exceptions.indices {
            for i in facts.exceptions[e].frames.indices { beforeRules(&facts.exceptions[e].frames[i], platform: platform) }
        }
        for i in facts.threadFrames.indices { beforeRules(&facts.threadFrames[i], platform: platform) }
        // Rules start from what the SDK said (or what an earlier set of rules decided); a frame nobody marked stays
        // not in-app (preset in `beforeRules`).
        applying([BuiltInStackTraceRules.v3, rules], to: &facts,
                 startingInApp: { $0.inAppRule != nil ? $0.inApp : $0.sdkInApp })
        for e in facts.exceptions.indices {
            for i in facts.exceptions[e].frames.indices { afterRules(&facts.exceptions[e].frames[i], platform: platform) }
        }
        for i in facts.threadFrames.indices { afterRules(&facts.threadFrames[i], platform: platform) }
    }

    static func beforeRules(_ frame: inout StackFrame, platform eventPlatform: String) {
        frame.inApp = false
        let platform = frame.platform ?? eventPlatform
        if let function = frame.function {
            switch StackTraceRule.Family(platform: platform) {
            case .native: frame.function = FunctionNameTrimmer.trimNative(function)
            case .other where platform == "csharp": frame.function = FunctionNameTrimmer.trimDotNet(function)
            default: break
            }
        }
        if let module = frame.module, module.utf8.contains(UInt8(ascii: "$")) || module.containsText("Generated") {
            frame.module = JavaClassNames.stable(module)
        }
    }

    /// JavaScript's frame handling, after rules have read the full names: functions count by their last segment,
    /// a file served from a URL does not count, nor does a context line when nothing else identifies the frame.
    static func afterRules(_ frame: inout StackFrame, platform eventPlatform: String) {
        let platform = frame.platform ?? eventPlatform
        if let line = frame.contextLine {
            // Context lines cut by the SDK (`{snip}`) come from minified code: they change with every build.
            if line.containsText("{snip}") {
                frame.contextLine = nil
            } else if line.utf8.contains(where: { $0 >= 0x0A && $0 <= 0x0D }) {
                // Sentry splits the line on any whitespace: a line sent with its newline is the same line.
                frame.contextLine = String(decoding: line.utf8.map { $0 >= 0x0A && $0 <= 0x0D ? 0x20 : $0 }, as: UTF8.self)
            }
        }
        guard BuiltInGroupingRules.isJavaScript(platform) else { return }
        let path = frame.absPath ?? frame.filename ?? ""
        if frame.function == "eval" || ["[native code]", "native code", "eval code", "<anonymous>"].contains(path) {
            frame.ignoredBy = frame.ignoredBy ?? "ignored: eval or native code"
        }
        if let function = frame.function {
            // Firefox names anonymous functions `outer/<`.
            if function.hasSuffix("/<") {
                frame.function = "<anonymous>"
            } else if let dot = function.lastIndex(of: "."), function.index(after: dot) < function.endIndex {
                frame.function = String(function[function.index(after: dot)...])
            }
        }
        if BuiltInGroupingRules.urlSchemes.contains(where: { path.hasPrefix($0) }) {
            frame.filename = nil
            frame.absPath = nil
            if frame.function == nil { frame.contextLine = nil }
        }
    }
}

/// JVM class names that change between runs or builds, made stable: proxies, CGLIB/ByteBuddy/Javassist/Hibernate
/// enhanced classes and reflection accessors get `<auto>` where their generated part was (lambda classes are left
/// for the frame normalizer, which does not count them at all).
public enum JavaClassNames {
    static let generatedMarkers = ["CGLIB$$", "$$EnhancerBy", "$$FastClassBy", "$$_javassist", "$HibernateProxy$",
                                   "$$ByteBuddy$$", "$ByteBuddy$"]

    public static func stable(_ module: String) -> String {
        var m = module
        for marker in generatedMarkers {
            guard let r = m.range(ofText: marker) else { continue }
            // `Foo$$EnhancerBySpringCGLIB$$1a2b3c` → `Foo$$EnhancerBySpringCGLIB$$<auto>`: up to the `$` that closes
            // the marker's word.
            var end = r.upperBound
            if !marker.hasSuffix("$") {
                while end < m.endIndex, m[end] != "$" { end = m.index(after: end) }
                while end < m.endIndex, m[end] == "$" { end = m.index(after: end) }
            }
            m = String(m[..<end]) + "<auto>"
            return m
        }
        // JDK dynamic proxies: `com.sun.proxy.$Proxy42`, `jdk.proxy2.$Proxy17`.
        if let r = m.range(ofText: "$Proxy"), m[r.upperBound...].allSatisfy(\.isNumber), r.upperBound < m.endIndex {
            m = String(m[..<r.upperBound]) + "<auto>"
            if let p = m.range(ofText: "jdk.proxy"), m[p.upperBound...].hasPrefix("1") || m[p.upperBound...].first?.isNumber == true {
                var end = p.upperBound
                while end < m.endIndex, m[end].isNumber { end = m.index(after: end) }
                m = String(m[..<p.upperBound]) + "<auto>" + m[end...]
            }
            return m
        }
        for accessor in ["GeneratedMethodAccessor", "GeneratedConstructorAccessor", "GeneratedSerializationConstructorAccessor"] {
            if let r = m.range(ofText: accessor), r.upperBound < m.endIndex, m[r.upperBound...].allSatisfy(\.isNumber) {
                return String(m[..<r.upperBound]) + "<auto>"
            }
        }
        return m
    }
}

/// What grouping strategy v2 (`faultline:2026-12`) adds to v1, after Sentry's newstyle strategy and its built-in
/// stack-trace rules (`all-platforms` enhancements) and fingerprints (`javascript@2024-02-02`):
///
/// - `in_app` the SDK did not send is false, as Sentry sets it after its rules (v1 guessed "in-app" for any frame
///   outside known library paths);
/// - frames that never identify a bug leave grouping (`-group`): Babel, core-js, regenerator and tslib helpers, the
///   microtask and `nextTick` plumbing of browsers and Node, and JavaScript's `eval` and `[native code]` frames;
/// - JavaScript and Node function names count by their last segment (`Cart.prototype.add` → `add`), and a file
///   served from a URL (`http:`, `https:`, `blob:`, `applewebdata:`) does not count: its name changes with every
///   deploy and host;
/// - a chunk that failed to load is one issue per project (`ChunkLoadError`), whatever the chunk.
///
/// Pure, and frozen with the strategy: a change here is a new strategy version.
public enum BuiltInGroupingRules {
    static let ignoredFunctions: Set<String> = [
        "runMicrotasks", "queueMicrotask", "processTicksAndRejections", "runNextTicks", "nextTick",
    ]
    /// Packages whose frames are helpers compiled into the application's bundle or loaded beside it.
    static let helperPackages = ["@babel/", "core-js/", "regenerator-runtime/", "tslib/"]
    static let urlSchemes = ["http:", "https:", "blob:", "applewebdata:"]

    static func isJavaScript(_ platform: String) -> Bool { platform == "javascript" || platform == "node" }

    /// The facts with every frame's v2 decisions made: its in-app flag, whether a rule takes it out, and its
    /// function and file as JavaScript frames count them.
    static func apply(_ facts: EventFacts) -> EventFacts {
        var facts = facts
        let platform = facts.platform
        // In place: mapping copied every frame (and retained all its strings) once more per event.
        for e in facts.exceptions.indices {
            for i in facts.exceptions[e].frames.indices { apply(to: &facts.exceptions[e].frames[i], platform: platform) }
        }
        for i in facts.threadFrames.indices { apply(to: &facts.threadFrames[i], platform: platform) }
        return facts
    }

    static func apply(to frame: inout StackFrame, platform eventPlatform: String) {
        let platform = frame.platform ?? eventPlatform
        frame.inApp = frame.sdkInApp ?? false
        let path = frame.absPath ?? frame.filename ?? ""
        if let function = frame.function, ignoredFunctions.contains(function)
            || (platform == "javascript" && function == "_callSuper") {
            frame.ignoredBy = "ignored by a built-in rule (runtime plumbing)"
        } else if let module = frame.module, helperPackages.contains(where: { module.hasPrefix($0) }) {
            frame.ignoredBy = "ignored by a built-in rule (compiled-in helper)"
        } else if helperPackages.contains(where: { path.containsText("/node_modules/" + $0) }) {
            frame.ignoredBy = "ignored by a built-in rule (compiled-in helper)"
        }
        if isJavaScript(platform) {
            if frame.function == "eval" || ["[native code]", "native code", "eval code", "<anonymous>"].contains(path) {
                frame.ignoredBy = "ignored: eval or native code"
            }
            if let function = frame.function, let dot = function.lastIndex(of: "."), function.index(after: dot) < function.endIndex {
                frame.function = String(function[function.index(after: dot)...])
            }
            if urlSchemes.contains(where: { path.hasPrefix($0) }) {
                // The function (and the context line) identify the frame; the URL's file name does not.
                frame.filename = nil
                frame.absPath = nil
            }
        }
        // A frame a rule takes out does not make the stack trace the application's either.
        if frame.ignoredBy != nil { frame.inApp = false }
    }

    /// Sentry's built-in fingerprints for JavaScript: every `ChunkLoadError` is one issue (v2 on); from v3, each of
    /// React's hydration errors is one issue per page (`hydrationerror` + the transaction).
    static func fingerprint(_ facts: EventFacts, strategy: GroupingStrategy) -> (fingerprint: [String], rule: String)? {
        guard isJavaScript(facts.platform) else { return nil }
        for exception in facts.exceptions {
            if exception.type == "ChunkLoadError" || (exception.value?.hasPrefix("ChunkLoadError") ?? false) {
                return (["chunkloaderror"], #"family:javascript error.type:"ChunkLoadError" -> chunkloaderror"#)
            }
        }
        // The page: the event's `transaction` (what SDKs send), else a `transaction` tag (Sentry's `tags.transaction`).
        if strategy == .v3, let transaction = facts.transaction ?? facts.tags.first(where: { $0.key == "transaction" })?.value {
            let texts = [facts.messageFormatted].compactMap { $0 } + facts.exceptions.compactMap(\.value)
            if texts.contains(where: { isHydrationError($0) }) {
                return (["hydrationerror", transaction],
                        #"family:javascript tags.transaction:"*" message:"<React hydration error>" -> hydrationerror, {{tags.transaction}}"#)
            }
        }
        return nil
    }

    /// React's hydration failures, as its messages read (compared without letter case, as Sentry's `message` matcher).
    static let hydrationMessages: Set<String> = [
        "hydration failed because the initial ui does not match what was rendered on the server.",
        "the server could not finish this suspense boundary, likely due to an error during server rendering. switched to client rendering.",
        "there was an error while hydrating this suspense boundary. switched to client rendering.",
        "there was an error while hydrating. because the error happened outside of a suspense boundary, the entire root will switch to client rendering.",
        "text content does not match server-rendered html.",
    ]

    static func isHydrationError(_ text: String) -> Bool {
        text.utf8.count < 200 && hydrationMessages.contains(text.lowercased())
    }
}

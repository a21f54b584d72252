import SentryProtocol

/// The fields of a stack frame that grouping, rules and culprits read, decoded once.
public struct StackFrame: Sendable, Equatable {
    public var module: String?
    public var filename: String?
    public var absPath: String?
    public var function: String?
    public var package: String?
    public var contextLine: String?
    public var lineno: Int?
    public var colno: Int?
    /// What the SDK said, if it said anything.
    public var sdkInApp: Bool?
    public var platform: String?

    public init(module: String? = nil, filename: String? = nil, absPath: String? = nil, function: String? = nil,
                package: String? = nil, contextLine: String? = nil, lineno: Int? = nil, colno: Int? = nil,
                inApp: Bool? = nil, platform: String? = nil) {
        self.module = module
        self.filename = filename
        self.absPath = absPath
        self.function = function
        self.package = package
        self.contextLine = contextLine
        self.lineno = lineno
        self.colno = colno
        self.sdkInApp = inApp
        self.platform = platform
        self.inApp = inApp ?? true
    }

    /// Whether the frame is the application's, resolved once (`isInApp` is asked per frame several times).
    public internal(set) var inApp = true
    /// Why a rule takes the frame out of grouping (`-group`), if one does (strategy v2 on, and project rules).
    var ignoredBy: String?
    /// The stack-trace rule that last set `inApp`, named in grouping explanations.
    var inAppRule: String?
    /// The frame's category as stack-trace rules set it (`system`, `threadbase`, `indirection`, …).
    var category: String?

    /// Reads a frame in one pass over its members (a frame has a dozen keys; looking each up would scan
    /// them a dozen times).
    init(_ ref: JSONRef, eventPlatform: String?) {
        self.init()
        ref.forEachMemberValue { key, value in
            func text() -> String? {
                guard let s = value.string, !s.isEmpty else { return nil }
                return s
            }
            switch key.count {
            case 6 where key.equals("module"): module = text()
            case 6 where key.equals("lineno"): lineno = value.int
            case 6 where key.equals("in_app"): sdkInApp = value.bool
            case 5 where key.equals("colno"): colno = value.int
            case 7 where key.equals("package"): package = text()
            case 8 where key.equals("filename"): filename = text()
            case 8 where key.equals("abs_path"): absPath = text()
            case 8 where key.equals("function"): function = text()
            case 8 where key.equals("platform"): platform = text()
            case 12 where key.equals("context_line"): contextLine = text()
            default: break
            }
        }
        inApp = isInApp(platform: eventPlatform)
    }

    /// `filename` as Relay completes it (`process_non_raw_frame`): a frame without `abs_path` has its filename
    /// moved there; then a frame without `filename` gets the absolute path, or for a URL its path part
    /// (`https://cdn.example.com/js/app.js?v=3` → `/js/app.js`).
    public var resolvedFilename: String? {
        guard let absPath else { return filename.map { StackFrame.urlPath($0) ?? $0 } }
        return filename ?? StackFrame.urlPath(absPath) ?? absPath
    }

    /// The path of an absolute URL (`scheme://host/path`), without query or fragment; nil for anything else or
    /// for a URL whose path is empty or `/`.
    public static func urlPath(_ text: String) -> String? {
        guard let scheme = text.range(ofText: "://"),
              text[text.startIndex..<scheme.lowerBound].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }),
              !text[text.startIndex..<scheme.lowerBound].isEmpty else { return nil }
        let rest = text[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        var path = rest[slash...]
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        return path.isEmpty || path == "/" ? nil : String(path)
    }

    /// Sentry's `get_frame_culprit`.
    func culprit(platform eventPlatform: String) -> String? {
        let platform = self.platform ?? eventPlatform
        if platform == "objc" || platform == "cocoa" || platform == "native" { return function ?? "?" }
        guard let place = module ?? resolvedFilename else { return nil }
        if platform == "javascript" || platform == "node" { return "\(function ?? "?")(\(place))" }
        return "\(place) in \(function ?? "?")"
    }

    /// Frames of a stack trace (`{frames: [...]}`), oldest call first as SDKs send them.
    static func frames(of stacktrace: JSONRef?, platform: String?) -> [StackFrame] {
        guard let frames = stacktrace?["frames"], frames.kind == .array else { return [] }
        return frames.elements.compactMap { $0.kind == .object ? StackFrame($0, eventPlatform: platform) : nil }
    }

    /// `in_app` as the SDK said, else inferred from where the code lives: third-party packages and the
    /// language's standard library are not the application.
    public func isInApp(platform eventPlatform: String?) -> Bool {
        if let sdkInApp { return sdkInApp }
        return !InAppRules.isLibrary(self, platform: platform ?? eventPlatform)
    }
}

/// Where library code lives, per ecosystem (used only when the SDK did not mark frames itself).
public enum InAppRules {
    static let pathMarkers = ["/site-packages/", "/dist-packages/", "node_modules/", "\\site-packages\\",
                              "\\node_modules\\", "/.cargo/registry/", "/go/pkg/mod/", "/vendor/bundle/", "/gems/"]
    static let jvmPrefixes = ["java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.",
                              "android.", "androidx.", "dalvik.", "com.android.", "libcore."]

    public static func isLibrary(_ frame: StackFrame, platform: String?) -> Bool {
        let path = frame.absPath ?? frame.filename ?? ""
        if pathMarkers.contains(where: { path.containsText($0) }) { return true }
        if isPythonStandardLibrary(path) { return true }
        // Node's own modules: `node:fs`, `internal/process/task_queues`.
        if path.hasPrefix("node:") || path.hasPrefix("internal/") { return true }
        if let module = frame.module {
            if jvmPrefixes.contains(where: { module.hasPrefix($0) }) { return true }
            // Go's standard library has no dot in its first path element (`net/http`, `runtime`).
            if platform == "go", module != "main", !(module.split(separator: "/").first ?? "").containsText(".") { return true }
        }
        if platform == "go", path.containsText("/usr/local/go/src/") || path.containsText("/libexec/src/") { return true }
        return false
    }

    /// `…/lib/python3.12/json/decoder.py` (but not site-packages, handled above).
    static func isPythonStandardLibrary(_ path: String) -> Bool {
        guard let range = path.range(ofText: "/lib/python") else { return path.containsText("\\Lib\\") }
        let rest = path[range.upperBound...]
        return rest.first.map { $0 == "2" || $0 == "3" } ?? false
    }
}

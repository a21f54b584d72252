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
    }

    init(_ ref: JSONRef) {
        func text(_ key: String) -> String? {
            guard let s = ref[key]?.string, !s.isEmpty else { return nil }
            return s
        }
        self.init(module: text("module"), filename: text("filename"), absPath: text("abs_path"), function: text("function"),
                  package: text("package"), contextLine: text("context_line"), lineno: ref["lineno"]?.int,
                  colno: ref["colno"]?.int, inApp: ref["in_app"]?.bool, platform: text("platform"))
    }

    /// Frames of a stack trace (`{frames: [...]}`), oldest call first as SDKs send them.
    static func frames(of stacktrace: JSONRef?) -> [StackFrame] {
        guard let frames = stacktrace?["frames"], frames.kind == .array else { return [] }
        return frames.elements.filter { $0.kind == .object }.map(StackFrame.init)
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
        if pathMarkers.contains(where: { path.contains($0) }) { return true }
        if isPythonStandardLibrary(path) { return true }
        // Node's own modules: `node:fs`, `internal/process/task_queues`.
        if path.hasPrefix("node:") || path.hasPrefix("internal/") { return true }
        if let module = frame.module {
            if jvmPrefixes.contains(where: { module.hasPrefix($0) }) { return true }
            // Go's standard library has no dot in its first path element (`net/http`, `runtime`).
            if platform == "go", module != "main", !(module.split(separator: "/").first ?? "").contains(".") { return true }
        }
        if platform == "go", path.contains("/usr/local/go/src/") || path.contains("/libexec/src/") { return true }
        return false
    }

    /// `…/lib/python3.12/json/decoder.py` (but not site-packages, handled above).
    static func isPythonStandardLibrary(_ path: String) -> Bool {
        guard let range = path.firstRange(of: "/lib/python") else { return path.contains("\\Lib\\") }
        let rest = path[range.upperBound...]
        return rest.first.map { $0 == "2" || $0 == "3" } ?? false
    }
}

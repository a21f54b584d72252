/// What each frame contributes to grouping, after the normalizations that keep one bug in one issue
/// across builds: generated class names, lambdas, hashed bundle names and anonymous functions. Modeled on
/// Sentry's newstyle frame strategy.
enum FrameNormalizer {
    static let contextLinePlatforms: Set<String> = ["javascript", "node", "python", "php", "ruby"]

    static func component(_ frame: StackFrame, platform: String) -> GroupingComponent {
        var children: [GroupingComponent] = []
        if let module = frame.module {
            let (value, hint) = normalizeModule(module)
            children.append(.leaf("module", value, hint: hint))
            children.append(GroupingComponent(id: "filename", contributes: false, hint: "module takes precedence",
                                              value: frame.filename.map(basename)))
        } else if let file = frame.filename ?? frame.absPath {
            if file == "<anonymous>" || file == "[native code]" || file.hasPrefix("<") {
                children.append(GroupingComponent(id: "filename", contributes: false, hint: "not a real file", value: file))
            } else {
                children.append(.leaf("filename", normalizeFilename(file)))
            }
        }
        if let function = frame.function {
            let (value, hint) = normalizeFunction(function, platform: platform)
            children.append(.leaf("function", value, hint: hint))
        }
        if contextLinePlatforms.contains(platform), let line = frame.contextLine {
            let collapsed = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            if collapsed.utf8.count > 120 {
                children.append(GroupingComponent(id: "context-line", contributes: false, hint: "line too long", value: nil))
            } else if !collapsed.isEmpty {
                children.append(.leaf("context-line", collapsed))
            }
        }
        return .node("frame", children)
    }

    /// The last path element, lower-cased; for URLs without the query, and with build hashes
    /// (`app.3f9a8b7c.js`) replaced so every deploy groups the same.
    static func normalizeFilename(_ file: String) -> String {
        var path = Substring(file)
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<q] }
        let last = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? String(path)
        let lowered = last.lowercased()
        guard file.contains("://") else { return lowered }
        return lowered.split(separator: ".", omittingEmptySubsequences: false).map { part in
            let isHash = part.count >= 8 && part.allSatisfy(\.isHexDigit) && part.contains(where: \.isNumber)
            return isHash ? "<hash>" : String(part)
        }.joined(separator: ".")
    }

    static func basename(_ file: String) -> String {
        (file.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? file).lowercased()
    }

    /// Java's generated classes get a stable name; lambda classes do not contribute.
    static func normalizeModule(_ module: String) -> (String?, String?) {
        if module.contains("$$Lambda$") || module.contains("$$Lambda/") { return (nil, "ignored lambda class") }
        var m = module
        for marker in ["$$EnhancerByCGLIB$$", "$$FastClassByCGLIB$$", "$$EnhancerBySpringCGLIB$$", "_$$_javassist_"] {
            if let r = m.firstRange(of: marker) { m = String(m[..<r.upperBound]) + "<auto>" }
        }
        if let r = m.firstRange(of: "GeneratedMethodAccessor"), m[r.upperBound...].allSatisfy(\.isNumber) {
            m = String(m[..<r.upperBound])
        }
        if let r = m.firstRange(of: "$fn__"), m[r.upperBound...].allSatisfy(\.isNumber) { m = String(m[..<r.upperBound]) + "<auto>" }
        return (m, nil)
    }

    static let anonymousFunctions: Set<String> = ["?", "<anonymous>", "Anonymous function", "<unknown>", "<redacted>",
                                                  "[native code]", "<lambda>"]

    static func normalizeFunction(_ function: String, platform: String) -> (String?, String?) {
        if anonymousFunctions.contains(function) && !(platform == "python" && function == "<lambda>") {
            return (nil, "anonymous function")
        }
        if function.hasPrefix("lambda$") { return (nil, "ignored Java lambda") }
        if function.hasPrefix("class@anonymous") || function.hasPrefix("[Anonymous") { return (nil, "anonymous class") }
        var f = function
        if platform == "javascript" || platform == "node" {
            for prefix in ["Object.", "new ", "async "] where f.hasPrefix(prefix) { f.removeFirst(prefix.count) }
            if let alias = f.firstRange(of: " [as ") { f = String(f[..<alias.lowerBound]) }
        }
        if platform == "ruby" {
            if f.hasPrefix("block ") || f.hasPrefix("block(") { f = "block" }
            // ERB templates: `_app_views_x_html_erb__1234_5678`
            if let r = f.lastRange(of: "__"), f[r.upperBound...].allSatisfy({ $0.isNumber || $0 == "_" }),
               f.hasSuffix("erb") == false, f.contains("erb__") {
                f = String(f[..<r.lowerBound])
            }
        }
        if let r = f.firstRange(of: "$fn__"), f[r.upperBound...].allSatisfy(\.isNumber) { f = String(f[..<r.upperBound]) + "<auto>" }
        return (f.isEmpty ? nil : f, f.isEmpty ? "empty function" : nil)
    }
}

extension StringProtocol {
    /// The last occurrence of `needle` (the stdlib has only `firstRange(of:)`).
    func lastRange(of needle: String) -> Range<Index>? {
        var found: Range<Index>?
        var rest = self[...]
        while let r = rest.firstRange(of: needle) {
            found = r
            rest = rest[r.upperBound...]
        }
        return found
    }
}

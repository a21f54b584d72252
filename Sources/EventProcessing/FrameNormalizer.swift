/// What each frame contributes to grouping, after the normalizations that keep one bug in one issue
/// across builds: generated class names, lambdas, hashed bundle names and anonymous functions. Modeled on
/// Sentry's newstyle frame strategy.
enum FrameNormalizer {
    static func usesContextLine(_ platform: String) -> Bool {
        switch platform {
        case "javascript", "node", "python", "php", "ruby": true
        default: false
        }
    }

    static func component(_ frame: StackFrame, platform: String, explain: Bool = true) -> GroupingComponent {
        var children: [GroupingComponent] = []
        children.reserveCapacity(4)
        if let module = frame.module {
            let (value, hint) = moduleValue(module)
            children.append(.leaf("module", value, hint: hint))
            if explain {
                children.append(GroupingComponent(id: "filename", contributes: false, hint: "module takes precedence",
                                                  value: frame.filename.map(basename)))
            }
        } else if let file = frame.filename ?? frame.absPath {
            if !isRealFile(file) {
                children.append(GroupingComponent(id: "filename", contributes: false, hint: "not a real file", value: file))
            } else {
                children.append(.leaf("filename", normalizeFilename(file)))
            }
        }
        if let function = frame.function {
            let (value, hint) = normalizeFunction(function, platform: platform)
            children.append(.leaf("function", value, hint: hint))
        }
        if usesContextLine(platform), let line = frame.contextLine {
            let collapsed = collapseWhitespace(line)
            if collapsed.utf8.count > 120 {
                children.append(GroupingComponent(id: "context-line", contributes: false, hint: "line too long", value: nil))
            } else if !collapsed.isEmpty {
                children.append(.leaf("context-line", collapsed))
            }
        }
        return .node("frame", children)
    }

    /// The values `component` marks as contributing, in its order, without building the component.
    static func appendValues(_ frame: StackFrame, platform: String, to values: inout [String]) {
        if let module = frame.module {
            let (value, hint) = moduleValue(module)
            if let value, hint == nil { values.append(value) }
        } else if let file = frame.filename ?? frame.absPath, isRealFile(file) {
            values.append(normalizeFilename(file))
        }
        if let function = frame.function {
            let (value, hint) = normalizeFunction(function, platform: platform)
            if let value, hint == nil { values.append(value) }
        }
        if usesContextLine(platform), let line = frame.contextLine {
            let collapsed = collapseWhitespace(line)
            if collapsed.utf8.count <= 120 && !collapsed.isEmpty { values.append(collapsed) }
        }
    }

    /// A module's grouping value and, when it does not count, why. Generated-name rules are the JVM's (and
    /// Clojure's); other modules are taken as they are.
    static func moduleValue(_ module: String) -> (String?, String?) {
        module.anyByte { $0 == UInt8(ascii: "$") } || module.containsText("GeneratedMethodAccessor")
            ? normalizeModule(module) : (module, nil)
    }

    /// `<anonymous>`, `[native code]` and other placeholders are not files.
    static func isRealFile(_ file: String) -> Bool {
        !(file == "[native code]" || file.hasPrefix("<"))
    }

    /// Runs of spaces and tabs become one space; leading and trailing ones go.
    static func collapseWhitespace(_ line: String) -> String {
        var line = line
        return line.withUTF8 { bytes in
            // Already collapsed (the usual case for a line that was indented only): no copy.
            var clean = bytes.first != 0x20 && bytes.first != 0x09 && bytes.last != 0x20 && bytes.last != 0x09
            var i = 1
            while clean && i < bytes.count {
                if (bytes[i] == 0x20 || bytes[i] == 0x09) && (bytes[i - 1] == 0x20 || bytes[i - 1] == 0x09 || bytes[i] == 0x09) {
                    clean = false
                }
                i += 1
            }
            if clean { return String(decoding: bytes, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var pendingSpace = false
            for c in bytes {
                if c == 0x20 || c == 0x09 {
                    pendingSpace = !out.isEmpty
                } else {
                    if pendingSpace { out.append(0x20) }
                    pendingSpace = false
                    out.append(c)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The last path element, lower-cased; for URLs without the query, and with build hashes
    /// (`app.3f9a8b7c.js`) replaced so every deploy groups the same.
    static func normalizeFilename(_ file: String) -> String {
        var path = Substring(file)
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<q] }
        let last = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? String(path)
        let lowered = last.lowercased()
        guard file.containsText("://") else { return lowered }
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
        if module.containsText("$$Lambda$") || module.containsText("$$Lambda/") { return (nil, "ignored lambda class") }
        var m = module
        for marker in ["$$EnhancerByCGLIB$$", "$$FastClassByCGLIB$$", "$$EnhancerBySpringCGLIB$$", "_$$_javassist_"] {
            if let r = m.range(ofText: marker) { m = String(m[..<r.upperBound]) + "<auto>" }
        }
        if let r = m.range(ofText: "GeneratedMethodAccessor"), m[r.upperBound...].allSatisfy(\.isNumber) {
            m = String(m[..<r.upperBound])
        }
        if let r = m.range(ofText: "$fn__"), m[r.upperBound...].allSatisfy(\.isNumber) { m = String(m[..<r.upperBound]) + "<auto>" }
        return (m, nil)
    }

    static func isAnonymous(_ function: String) -> Bool {
        switch function {
        case "?", "<anonymous>", "Anonymous function", "<unknown>", "<redacted>", "[native code]", "<lambda>": true
        default: false
        }
    }

    static func normalizeFunction(_ function: String, platform: String) -> (String?, String?) {
        if isAnonymous(function) && !(platform == "python" && function == "<lambda>") {
            return (nil, "anonymous function")
        }
        // Only JVM, JavaScript, Ruby, PHP and Clojure names need rewriting; most functions are kept as they are.
        guard platform != "python" else { return (function, nil) }
        if function.hasPrefix("lambda$") { return (nil, "ignored Java lambda") }
        if function.hasPrefix("class@anonymous") || function.hasPrefix("[Anonymous") { return (nil, "anonymous class") }
        var f = function
        if platform == "javascript" || platform == "node" {
            for prefix in ["Object.", "new ", "async "] where f.hasPrefix(prefix) { f.removeFirst(prefix.count) }
            if let alias = f.range(ofText: " [as ") { f = String(f[..<alias.lowerBound]) }
        }
        if platform == "ruby" {
            if f.hasPrefix("block ") || f.hasPrefix("block(") { f = "block" }
            // ERB templates: `_app_views_x_html_erb__1234_5678`
            if let r = f.lastRange(ofText: "__"), f[r.upperBound...].allSatisfy({ $0.isNumber || $0 == "_" }),
               f.hasSuffix("erb") == false, f.containsText("erb__") {
                f = String(f[..<r.lowerBound])
            }
        }
        if let r = f.range(ofText: "$fn__"), f[r.upperBound...].allSatisfy(\.isNumber) { f = String(f[..<r.upperBound]) + "<auto>" }
        return (f.isEmpty ? nil : f, f.isEmpty ? "empty function" : nil)
    }
}

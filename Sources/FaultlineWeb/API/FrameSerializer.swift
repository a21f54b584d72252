import EventProcessing
import SentryProtocol

/// Stack traces in the shape of Sentry's web API (its `FrameSerializer`): camelCase fields, source context as
/// `[[line, text], …]`, and `inApp` as grouping decided it (the SDK's flag, else Faultline's in-app rules), so the
/// dashboards expand the frames that made the issue.
enum FrameSerializer {
    /// An exception or thread value with its `stacktrace.frames` rewritten; other fields kept as sent.
    static func withFrames(_ value: JSONValue, platform: String?) -> JSONValue {
        guard case .object(var fields) = value,
              let index = fields.firstIndex(where: { $0.key == "stacktrace" }),
              case .object(var stacktrace) = fields[index].value,
              let framesIndex = stacktrace.firstIndex(where: { $0.key == "frames" }),
              case .array(let frames) = stacktrace[framesIndex].value else { return value }
        stacktrace[framesIndex].value = .array(frames.map { frame($0, platform: platform) })
        fields[index].value = .object(stacktrace)
        return .object(fields)
    }

    static func frame(_ raw: JSONValue, platform eventPlatform: String?) -> JSONValue {
        guard case .object(let members) = raw else { return raw }
        func text(_ key: String) -> String? {
            if case .string(let s)? = raw[key], !s.isEmpty { return s }
            return nil
        }
        func int(_ key: String) -> Int? {
            switch raw[key] {
            case .int(let n)?: n
            case .double(let d)? where d.rounded() == d && abs(d) < 1e15: Int(d)
            default: nil
            }
        }
        var sdkInApp: Bool?
        if case .bool(let b)? = raw["in_app"] { sdkInApp = b }
        let platform = text("platform") ?? eventPlatform
        let probe = StackFrame(module: text("module"), filename: text("filename"), absPath: text("abs_path"),
                               function: text("function"), package: text("package"), lineno: int("lineno"),
                               colno: int("colno"), inApp: sdkInApp, platform: platform)
        let lineNo = int("lineno")
        var fields: [(key: String, value: JSONValue)] = [
            ("filename", optional(text("filename"))),
            ("absPath", optional(text("abs_path"))),
            ("module", optional(text("module"))),
            ("package", optional(text("package"))),
            ("platform", optional(text("platform"))),
            ("function", optional(text("function"))),
            ("rawFunction", optional(text("raw_function"))),
            ("symbol", optional(text("symbol"))),
            ("instructionAddr", optional(text("instruction_addr"))),
            ("lineNo", lineNo.map(JSONValue.int) ?? .null),
            ("colNo", int("colno").map(JSONValue.int) ?? .null),
            ("inApp", .bool(probe.isInApp(platform: eventPlatform))),
            ("context", .array(context(raw, lineNo: lineNo))),
            ("vars", members.first { $0.key == "vars" }?.value ?? .null),
        ]
        if case .object? = raw["data"] { fields.append(("data", raw["data"] ?? .null)) }
        return .object(fields)
    }

    /// `pre_context`, `context_line` and `post_context` as numbered lines (Sentry's API form).
    static func context(_ raw: JSONValue, lineNo: Int?) -> [JSONValue] {
        guard let lineNo else { return [] }
        let pre = (raw["pre_context"]?.arrayValue ?? []).map(lineText)
        let post = (raw["post_context"]?.arrayValue ?? []).map(lineText)
        var lines: [JSONValue] = []
        for (i, line) in pre.enumerated() { lines.append(.array([.int(lineNo - pre.count + i), line])) }
        if let current = raw["context_line"], current != .null { lines.append(.array([.int(lineNo), lineText(current)])) }
        for (i, line) in post.enumerated() { lines.append(.array([.int(lineNo + 1 + i), line])) }
        return lines
    }

    private static func lineText(_ v: JSONValue) -> JSONValue {
        if case .string = v { return v }
        return v == .null ? .null : .string(String(describing: v))
    }

    private static func optional(_ s: String?) -> JSONValue {
        s.map(JSONValue.string) ?? .null
    }
}

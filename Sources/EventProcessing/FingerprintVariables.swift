/// `{{ … }}` variables in fingerprints (SDK-sent and rule-made) and rule titles, as Sentry defines them.
/// A variable with nothing to fill in becomes `<no-name>`, so such events still group together.
enum FingerprintVariables {
    static func isDefault(_ entry: String) -> Bool {
        variableName(entry) == "default"
    }

    /// The name inside `{{ name }}` when the whole entry is one variable.
    static func variableName(_ entry: String) -> String? {
        let t = entry.trimmingCharacters(in: " ")
        guard t.hasPrefix("{{"), t.hasSuffix("}}"), t.count >= 4 else { return nil }
        return String(t.dropFirst(2).dropLast(2)).trimmingCharacters(in: " ")
    }

    /// Replaces every `{{ name }}` in `text`.
    static func expand(_ text: String, facts: EventFacts) -> String {
        guard text.containsText("{{") else { return text }
        var out = ""
        var rest = text[...]
        while let open = rest.range(ofText: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(ofText: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let name = String(rest[open.upperBound..<close.lowerBound]).trimmingCharacters(in: " ")
            out += value(of: name, facts: facts)
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }

    static func value(of name: String, facts: EventFacts) -> String {
        let frame = facts.culpritFrame
        let found: String?
        switch name {
        case "type", "error.type": found = facts.mainException?.type
        case "value", "error.value": found = facts.mainException?.value
        case "function", "stack.function": found = frame?.function
        case "module", "stack.module": found = frame?.module
        case "package", "stack.package": found = frame?.package
        case "abs_path", "stack.abs_path": found = frame?.absPath
        case "filename", "stack.filename": found = frame?.filename
        case "transaction": found = facts.transaction
        case "logger": found = facts.logger
        case "level": found = facts.level ?? "error"
        case "message": found = facts.messageFormatted ?? facts.mainException?.value
        case "default": found = "{{ default }}"
        default:
            if name.hasPrefix("tags.") {
                let key = name.dropFirst(5)
                found = facts.tags.first(where: { $0.key == key })?.value
            } else {
                found = nil
            }
        }
        if let found, !found.isEmpty { return found }
        let label = name.split(separator: ".").last.map(String.init) ?? name
        return "<no-\(label)>"
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = self[...]
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

import SentryProtocol

/// One node of the tree that explains a grouping hash: what was looked at, whether it contributed, and
/// why not when it did not. Only contributing leaf values enter the hash, in depth-first order.
public struct GroupingComponent: Sendable, Equatable {
    /// What this is: `exception`, `type`, `value`, `stacktrace`, `frame`, `module`, `filename`,
    /// `function`, `context-line`, `message`, `fingerprint`, `chained-exception`, `threads`.
    public var id: String
    public var contributes: Bool
    /// Why it does not contribute (or how it was changed), in words.
    public var hint: String?
    /// A leaf's value (after normalization).
    public var value: String?
    public var children: [GroupingComponent]

    public init(id: String, contributes: Bool = true, hint: String? = nil, value: String? = nil,
                children: [GroupingComponent] = []) {
        self.id = id
        self.contributes = contributes
        self.hint = hint
        self.value = value
        self.children = children
    }

    static func leaf(_ id: String, _ value: String?, hint: String? = nil) -> GroupingComponent {
        GroupingComponent(id: id, contributes: value != nil && hint == nil, hint: hint, value: value)
    }

    /// A parent contributes when any child does (and it is not switched off itself).
    static func node(_ id: String, _ children: [GroupingComponent], hint: String? = nil) -> GroupingComponent {
        GroupingComponent(id: id, contributes: hint == nil && children.contains(where: \.contributes), hint: hint,
                          children: children)
    }

    /// Whether a contributing part of the tree is a component with this id (a `stacktrace`, say).
    func hasContributing(_ id: String) -> Bool {
        guard contributes else { return false }
        if self.id == id { return true }
        return children.contains { $0.hasContributing(id) }
    }

    /// The values that enter the hash, depth first.
    public var contributingValues: [String] {
        var values: [String] = []
        forEachContributingValue { values.append($0) }
        return values
    }

    /// Visits the values that enter the hash, depth first, without building arrays on the way.
    public func forEachContributingValue(_ body: (String) -> Void) {
        guard contributes else { return }
        if let value {
            body(value)
            return
        }
        for child in children { child.forEachContributingValue(body) }
    }

    /// Writes the tree as JSON (the same as `json(contributingOnly:)`, without building values first).
    public func write(into w: inout JSONWriter, contributingOnly: Bool = false) {
        w.raw("{\"id\":")
        w.string(id)
        if !contributingOnly {
            w.raw(contributes ? ",\"contributes\":true" : ",\"contributes\":false")
            if let hint {
                w.raw(",\"hint\":")
                w.string(hint)
            }
        }
        if let value {
            w.raw(",\"value\":")
            w.string(value)
        }
        var first = true
        for child in children where !contributingOnly || child.contributes {
            w.raw(first ? ",\"values\":[" : ",")
            first = false
            child.write(into: &w, contributingOnly: contributingOnly)
        }
        if !first { w.raw("]") }
        w.raw("}")
    }

    /// The tree as JSON; `contributingOnly` drops what did not contribute (the compact form kept per hash).
    public func json(contributingOnly: Bool = false) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [("id", .string(id))]
        if !contributingOnly {
            fields.append(("contributes", .bool(contributes)))
            if let hint { fields.append(("hint", .string(hint))) }
        }
        if let value { fields.append(("value", .string(value))) }
        let kids = contributingOnly ? children.filter(\.contributes) : children
        if !kids.isEmpty { fields.append(("values", .array(kids.map { $0.json(contributingOnly: contributingOnly) }))) }
        return .object(fields)
    }
}

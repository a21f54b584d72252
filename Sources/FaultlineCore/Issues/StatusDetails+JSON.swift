import SentryProtocol

extension StatusDetails {
    /// Stored form: a small JSON object with only the fields set.
    var json: String {
        var fields: [(key: String, value: JSONValue)] = []
        if inNextRelease { fields.append(("inNextRelease", .bool(true))) }
        if let inRelease { fields.append(("inRelease", .string(inRelease))) }
        if let afterRelease { fields.append(("afterRelease", .string(afterRelease))) }
        if let ignoreUntil { fields.append(("ignoreUntil", .double(ignoreUntil))) }
        if let ignoreUntilCount { fields.append(("ignoreUntilCount", .int(ignoreUntilCount))) }
        if let ignoreCount { fields.append(("ignoreCount", .int(ignoreCount))) }
        if let ignoreUntilUserCount { fields.append(("ignoreUntilUserCount", .int(ignoreUntilUserCount))) }
        if let ignoreUserCount { fields.append(("ignoreUserCount", .int(ignoreUserCount))) }
        if let ignoreDuration { fields.append(("ignoreDuration", .int(ignoreDuration))) }
        return String(decoding: JSONValue.object(fields).serialized, as: UTF8.self)
    }

    init(json: String?) {
        self.init()
        guard let json, let doc = try? JSONDocument(bytes: Array(json.utf8)) else { return }
        let r = doc.root
        inNextRelease = r["inNextRelease"]?.bool ?? false
        inRelease = r["inRelease"]?.string
        afterRelease = r["afterRelease"]?.string
        ignoreUntil = r["ignoreUntil"]?.double
        ignoreUntilCount = r["ignoreUntilCount"]?.int
        ignoreCount = r["ignoreCount"]?.int
        ignoreUntilUserCount = r["ignoreUntilUserCount"]?.int
        ignoreUserCount = r["ignoreUserCount"]?.int
        ignoreDuration = r["ignoreDuration"]?.int
    }
}

/// Release order for regressions: semantic versions compare as versions (`shop@1.10.0` after
/// `shop@1.9.2`), anything else by when the release was first seen.
enum ReleaseOrder {
    /// Negative, zero or positive, or nil when the two cannot be compared as versions.
    static func compareVersions(_ a: String, _ b: String) -> Int? {
        guard let va = version(a), let vb = version(b), va.package == vb.package else { return nil }
        for (x, y) in zip(va.parts, vb.parts) where x != y { return x < y ? -1 : 1 }
        return va.parts.count == vb.parts.count ? 0 : (va.parts.count < vb.parts.count ? -1 : 1)
    }

    /// `package@1.2.3` or `1.2.3` (a build or pre-release suffix is ignored).
    static func version(_ release: String) -> (package: String, parts: [Int])? {
        let split = release.split(separator: "@", maxSplits: 1)
        let package = split.count == 2 ? String(split[0]) : ""
        var text = split.count == 2 ? split[1] : split[0]
        if text.hasPrefix("v") { text = text.dropFirst() }
        let core = text.prefix { $0.isNumber || $0 == "." }
        let parts = core.split(separator: ".").compactMap { Int($0) }
        guard !parts.isEmpty, parts.count <= 4, core.split(separator: ".").count == parts.count else { return nil }
        return (package, parts)
    }
}

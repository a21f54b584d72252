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
        if let ignoreWindow { fields.append(("ignoreWindow", .int(ignoreWindow))) }
        if let ignoreUserWindow { fields.append(("ignoreUserWindow", .int(ignoreUserWindow))) }
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
        ignoreWindow = r["ignoreWindow"]?.int
        ignoreUserWindow = r["ignoreUserWindow"]?.int
    }
}

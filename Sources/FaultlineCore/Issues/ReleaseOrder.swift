/// Release order for regressions: semantic versions compare as versions (`shop@1.10.0` after
/// `shop@1.9.2`), anything else by when the release was first seen.
enum ReleaseOrder {
    /// Negative, zero or positive, or nil when the two cannot be compared as versions.
    static func compareVersions(_ a: String, _ b: String) -> Int? {
        guard let va = version(a), let vb = version(b), va.package == vb.package else { return nil }
        for (x, y) in zip(va.parts, vb.parts) where x != y { return x < y ? -1 : 1 }
        return va.parts.count == vb.parts.count ? 0 : (va.parts.count < vb.parts.count ? -1 : 1)
    }

    /// `package@1.2.3` or `1.2.3` (a build or pre-release suffix is ignored); nil for anything else.
    static func version(_ release: String) -> (package: String, parts: [Int])? {
        let split = release.split(separator: "@", maxSplits: 1)
        let package = split.count == 2 ? String(split[0]) : ""
        var text = split.count == 2 ? split[1] : split[0]
        if text.hasPrefix("v") { text = text.dropFirst() }
        let core = text.prefix { $0.isNumber || $0 == "." }
        // After the numbers only a pre-release (`-rc1`) or build (`+42`) part: `4f9c2ab` is a commit, not version 4.
        if let next = text.dropFirst(core.count).first, next != "-", next != "+" { return nil }
        let parts = core.split(separator: ".").compactMap { Int($0) }
        guard !parts.isEmpty, parts.count <= 4, core.split(separator: ".").count == parts.count else { return nil }
        return (package, parts)
    }
}

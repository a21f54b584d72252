/// The two detectors that look at a transaction's spans in time order rather than by parent: queries that ran one
/// after another although they could have run at once, and big scripts or stylesheets served uncompressed. Both
/// follow Sentry's detectors (`ConsecutiveDBSpanDetector`, `UncompressedAssetSpanDetector`) and thresholds.
extension PerformanceDetector {
    /// Runs of `SELECT`s (op `db` or `db.sql*`), each starting after the previous one ended. The first query of a run
    /// may feed the others; a later one is independent when it has no `WHERE` and no parameter (after
    /// parameterization every literal is `%s`). A run is a problem when it holds an independent query, every
    /// independent query took over 30 ms, and running them beside the rest would save enough time: the run's total
    /// less the longer of the longest independent query and the sum of the dependent ones, at least
    /// `consecutiveDBMinTimeSavedMS` and a tenth of the total.
    static func consecutiveDB(_ spans: [SpanRecord], _ order: [Int], _ settings: DetectorSettings) -> [PerformanceProblem] {
        var problems: [PerformanceProblem] = []
        var run: [Int] = []
        func close() {
            defer { run = [] }
            guard run.count >= 2 else { return }
            let independent = run.dropFirst().filter { isIndependentQuery(spans[$0]) }
            guard !independent.isEmpty,
                  independent.allSatisfy({ spans[$0].durationMS > settings.consecutiveDBMinSpanDurationMS }) else { return }
            let total = run.reduce(0.0) { $0 + spans[$1].durationMS }
            let longestIndependent = independent.map { spans[$0].durationMS }.max() ?? 0
            let dependent = run.filter { !independent.contains($0) }.reduce(0.0) { $0 + spans[$1].durationMS }
            let saved = total - max(longestIndependent, dependent)
            guard total > 0, saved >= settings.consecutiveDBMinTimeSavedMS,
                  saved / total >= settings.consecutiveDBMinTimeSavedRatio else { return }
            let first = spans[independent[0]]
            var found = problem(.consecutiveDB, parts: run.map { spans[$0].group }, parent: nil, description: first.description,
                                spans: run.map { spans[$0] })
            found.timeSavedMS = saved
            problems.append(found)
        }
        for i in order {
            // Fields read in place: a copy of the record would retain its four strings.
            let isSelect = !spans[i].truncated && SpanDescription.isSelect(spans[i].description)
                && (spans[i].op == "db" || spans[i].op.utf8.starts(with: "db.sql".utf8))
            guard isSelect else {
                close()
                continue
            }
            if let last = run.last, spans[i].start < spans[last].start + spans[last].durationMS / 1000 {
                // Already overlapping: these ran in parallel, so the run ends here (Sentry drops this span too).
                close()
                continue
            }
            run.append(i)
        }
        close()
        return problems
    }

    static func isIndependentQuery(_ span: SpanRecord) -> Bool {
        !contains(span.description, "WHERE") && !contains(span.description, "%s")
    }

    /// Byte search (`String.contains` with a string goes through Foundation here, ten times slower); texts are at most
    /// `SpanDescription.maxInputLength` bytes and needles a few, so the plain scan is linear in practice.
    static func contains(_ text: String, _ needle: StaticString) -> Bool {
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = n.first else { return true }
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= n.count else { return false }
            var i = 0
            while i <= bytes.count - n.count {
                if bytes[i] == first, bytes[i..<(i + n.count)].elementsEqual(n) { return true }
                i += 1
            }
            return false
        }
    }

    /// A `resource.script` or `resource.css` span whose body arrived as large as it is (encoded size equal to decoded
    /// size: no compression) and over the thresholds, in an event where some other asset was compressed (so the
    /// browser reports sizes at all). Assets from the cache (nothing or less than the body transferred) are left out.
    static func uncompressedAssets(_ spans: [SpanRecord], _ order: [Int], _ settings: DetectorSettings) -> [PerformanceProblem] {
        var problems: [PerformanceProblem] = []
        var anyCompressed = false
        for i in order {
            let span = spans[i]
            guard span.op == "resource.script" || span.op == "resource.css",
                  let encoded = span.httpResponseContentLength, let decoded = span.httpDecodedContentLength,
                  let transferred = span.httpTransferSize, encoded > 0, decoded > 0, transferred > 0,
                  transferred >= encoded else { continue }
            guard encoded == decoded else {
                anyCompressed = true
                continue
            }
            let name = span.description.trimmingCharacters(in: " ").lowercased()
            guard encoded >= settings.uncompressedAssetMinBytes,
                  name.hasSuffix("css") || name.hasSuffix("json") || name.hasSuffix("js"),
                  span.durationMS > settings.uncompressedAssetMinDurationMS else { continue }
            let url = SpanDescription.parameterizedURL(span.description)
            guard !problems.contains(where: { $0.description == url }) else { continue }
            problems.append(problem(.uncompressedAsset, parts: [span.op, url], parent: nil, description: url, spans: [span]))
        }
        return anyCompressed ? problems : []
    }

    /// Browsers that report resource sizes (Sentry's list).
    static func isAssetBrowser(_ name: String?) -> Bool {
        guard let name = name?.lowercased() else { return false }
        return ["chrome", "firefox", "safari", "edge"].contains(name)
    }
}

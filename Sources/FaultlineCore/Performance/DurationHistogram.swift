/// Transaction durations in equal-width bins, as Sentry's `events-histogram` gives them: `numBuckets` bins of a whole
/// number of milliseconds each, starting at the smallest duration rounded down, the last bin holding the largest.
public enum DurationHistogram {
    public struct Bin: Sendable, Equatable {
        /// The bin's lower edge, in ms.
        public var bin: Double
        public var count: Int
    }

    public static let maxBuckets = 100

    /// `min`/`max` clip the range looked at (Sentry's `min`/`max` parameters); durations outside it are left out.
    public static func bins(_ durations: [Double], buckets: Int, min lower: Double? = nil, max upper: Double? = nil) -> [Bin] {
        let n = Swift.max(1, Swift.min(buckets, maxBuckets))
        let values = durations.filter { $0.isFinite && $0 >= (lower ?? -.infinity) && $0 <= (upper ?? .infinity) }
        guard let smallest = values.min(), let largest = values.max() else { return [] }
        let start = (lower ?? smallest).rounded(.down)
        // A whole-millisecond width; the largest value, on the upper edge, counts in the last bin.
        let width = Swift.max(1, ((Swift.max(upper ?? largest, largest) - start) / Double(n)).rounded(.up))
        var counts = Array(repeating: 0, count: n)
        for v in values {
            let i = Swift.min(n - 1, Swift.max(0, Int((v - start) / width)))
            counts[i] += 1
        }
        return counts.enumerated().map { Bin(bin: start + Double($0.offset) * width, count: $0.element) }
    }
}

/// Arithmetic for counts that come from clients (envelope `item_count`s, outcome quantities) or from storage that a
/// client once filled: totals stop at the largest value instead of trapping, so no sum can take the server down.
extension Int {
    @inlinable
    public func saturatingAdding(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self += other`, saturating: `counts[key, default: 0].saturatingAdd(n)`.
    @inlinable
    public mutating func saturatingAdd(_ other: Int) {
        self = saturatingAdding(other)
    }

    /// A `Double` as an `Int`, clamped to the representable range (NaN is 0): `Int(_:)` traps on anything out of
    /// range, and a stored or sent time can be anything.
    @inlinable
    public init(clamping value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.2e18 {
            self = .max
        } else if value <= -9.2e18 {
            self = .min
        } else {
            self = Int(value)
        }
    }
}

extension Sequence where Element == Int {
    /// The sum, stopping at `Int.max` / `Int.min` instead of trapping.
    @inlinable
    public func saturatingSum() -> Int {
        reduce(0) { $0.saturatingAdding($1) }
    }
}

import SQLite

/// Bounds on counts as stored, and the start-up check that holds old data to them. Outcome quantities are sums of
/// client-sent `item_count`s: before those were range-checked, one request could store a value near 2⁶³ that made
/// every later stats query trap. Readers now add with saturation; this repairs what an older server stored.
enum StoredValueRepair {
    /// The largest quantity kept in one outcome row (2⁵²: exact as a double, and far above any real hour).
    static let maxQuantity = 1 << 52

    /// Clamps impossible outcome quantities (negative, over `maxQuantity`, or not integers); returns how many rows
    /// it changed. One pass over the outcomes table, whose rows are per project, hour, category, outcome and reason.
    static func repair(_ db: SQLiteDatabase) throws -> Int {
        try db.run("""
            UPDATE outcomes SET quantity = CASE
                WHEN typeof(quantity) NOT IN ('integer', 'real') OR quantity < 0 THEN 0
                ELSE min(CAST(min(quantity, ?1) AS INTEGER), ?1) END
            WHERE typeof(quantity) != 'integer' OR quantity < 0 OR quantity > ?1
            """, [maxQuantity])
        return db.changes
    }

    /// The upsert's sum, capped in SQL (SQLite turns an overflowing integer sum into a real).
    static let addQuantity = "quantity = min(quantity + excluded.quantity, \(maxQuantity))"
}

import Foundation
import Synchronization

/// The ordered issue ids a listing found on its first page, kept for its next pages: sorted by last seen (or by
/// frequency), issues move while events arrive, and paging by the last row's value would skip an issue that moved
/// up from a later page, or show one twice. Pages of a snapshot show every issue once, with its current data.
/// A snapshot holds the first `maxIDs` (40 pages of 25); the page after it takes the next snapshot, from the last
/// issue's value. Kept 15 minutes, at most 200 (oldest dropped); a cursor whose snapshot is gone pages by value.
final class IssueSnapshots: Sendable {
    private struct Snapshot {
        var ids: [Int]
        var created: Double
    }

    private let snapshots = Mutex<[String: Snapshot]>([:])
    static let lifetime = 15 * 60.0
    static let capacity = 200
    /// Ids per snapshot. Taking one costs a search for that many issues (a tag filter over 10,000 issues took 30 ms
    /// for all of them, 2.5 ms for one page), so it covers the pages people read, not the whole list.
    static let maxIDs = 1000

    /// Keeps `ids`; returns the key to name them by in cursors.
    func keep(_ ids: [Int], now: Double = Date().timeIntervalSince1970) -> String {
        var generator = SystemRandomNumberGenerator()
        let key = String(generator.next() & 0xFFFF_FFFF_FFFF, radix: 36)
        snapshots.withLock { all in
            all = all.filter { now - $0.value.created < Self.lifetime }
            if all.count >= Self.capacity, let oldest = all.min(by: { $0.value.created < $1.value.created }) {
                all[oldest.key] = nil
            }
            all[key] = Snapshot(ids: ids, created: now)
        }
        return key
    }

    func ids(_ key: String, now: Double = Date().timeIntervalSince1970) -> [Int]? {
        snapshots.withLock { all in
            guard let s = all[key], now - s.created < Self.lifetime else { return nil }
            return s.ids
        }
    }
}

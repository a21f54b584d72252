import Foundation
import SentryProtocol
import SQLite

extension SQLiteStore {
    public func createMetricAlertRule(_ rule: MetricAlertRule) throws -> MetricAlertRule {
        var rule = rule
        rule.createdAt = Date().timeIntervalSince1970
        let saved = rule
        rule.id = try writer.sync { db in
            try db.run("INSERT INTO metric_alert_rules (organization_id, body, created_at) VALUES (?, '{}', ?)",
                       [saved.organizationID, saved.createdAt])
            let id = Int(db.lastInsertRowID)
            var withID = saved
            withID.id = id
            try db.run("UPDATE metric_alert_rules SET body = ? WHERE id = ?", [Self.body(withID), id])
            return id
        }
        return rule
    }

    private static let metricSelect = """
        SELECT id, organization_id, body, created_at, state, state_changed_at, last_value FROM metric_alert_rules
        """

    public func metricAlertRules(organizationID: Int?) throws -> [MetricAlertRecord] {
        try readers.read { db in
            if let organizationID {
                return try db.rows(Self.metricSelect + " WHERE organization_id = ? ORDER BY id", [organizationID], Self.record)
            }
            return try db.rows(Self.metricSelect + " ORDER BY id", [], Self.record)
        }.compactMap { $0 }
    }

    public func metricAlertRule(id: Int) throws -> MetricAlertRecord? {
        try readers.read { db in
            try db.first(Self.metricSelect + " WHERE id = ?", [id], Self.record)
        } ?? nil
    }

    public func updateMetricAlertRule(_ rule: MetricAlertRule) throws -> Bool {
        try writer.sync { db in
            try db.run("UPDATE metric_alert_rules SET body = ? WHERE id = ?", [Self.body(rule), rule.id])
            return db.changes == 1
        }
    }

    public func deleteMetricAlertRule(id: Int) throws -> Bool {
        try writer.sync { db in
            try db.run("DELETE FROM metric_alert_rules WHERE id = ?", [id])
            return db.changes == 1
        }
    }

    public func recordMetricTransition(_ t: MetricTransition, actions: [AlertRule.Action]) throws -> Bool {
        try writer.sync { db in
            // Compare-and-set: a second engine pass (or a restart that measured again) finds the state already moved.
            try db.run("""
                UPDATE metric_alert_rules SET state = ?, state_changed_at = ?, last_value = ? WHERE id = ? AND state = ?
                """, [t.to.rawValue, t.at, t.value, t.rule.id, t.from.rawValue])
            guard db.changes == 1 else { return false }
            try db.run("""
                INSERT INTO alert_firings (kind, rule_id, project_id, issue_id, event_id, trigger, fired_at, payload)
                VALUES ('metric', ?, ?, NULL, NULL, ?, ?, ?)
                """, [t.rule.id, t.rule.projectIDs.first ?? 0, t.to.rawValue, t.at, t.payload])
            try Self.insertDeliveries(db, firingID: Int(db.lastInsertRowID), actions: actions, at: t.at)
            return true
        }
    }

    private static func body(_ rule: MetricAlertRule) -> String {
        String(decoding: MetricAlertRuleCodec.json(rule, secrets: true, projectSlug: { _ in nil }).serialized, as: UTF8.self)
    }

    /// A stored rule; nil if its body no longer parses (left out rather than failing every read).
    private static func record(_ r: SQLiteRow) -> MetricAlertRecord? {
        guard let text = r.string(2), let document = try? JSONDocument(bytes: Array(text.utf8)),
              var rule = try? MetricAlertRuleCodec.parse(document.root, organizationID: r.int(1), stored: true,
                                                         projectID: { _ in nil }, newSecret: { "" }) else { return nil }
        rule.id = r.int(0)
        rule.createdAt = r.double(3)
        return MetricAlertRecord(rule: rule, state: MetricAlertRule.State(rawValue: r.string(4) ?? "") ?? .ok,
                                 stateChangedAt: r.isNull(5) ? nil : r.double(5), lastValue: r.isNull(6) ? nil : r.double(6))
    }
}

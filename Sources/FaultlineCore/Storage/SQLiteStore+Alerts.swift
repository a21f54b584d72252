import Foundation
import SentryProtocol
import SQLite

extension SQLiteStore {
    public func createAlertRule(_ rule: AlertRule) throws -> AlertRule {
        var rule = rule
        rule.createdAt = Date().timeIntervalSince1970
        let saved = rule
        rule.id = try writer.sync { db in
            try db.run("INSERT INTO alert_rules (project_id, body, created_at) VALUES (?, '{}', ?)", [saved.projectID, saved.createdAt])
            let id = Int(db.lastInsertRowID)
            var withID = saved
            withID.id = id
            try db.run("UPDATE alert_rules SET body = ? WHERE id = ?", [Self.body(withID), id])
            return id
        }
        return rule
    }

    public func alertRules(projectID: Int?) throws -> [AlertRule] {
        try readers.read { db in
            if let projectID {
                return try db.rows("SELECT id, project_id, body, created_at FROM alert_rules WHERE project_id = ? ORDER BY id",
                                   [projectID], Self.rule)
            }
            return try db.rows("SELECT id, project_id, body, created_at FROM alert_rules ORDER BY id", [], Self.rule)
        }.compactMap { $0 }
    }

    public func alertRule(id: Int) throws -> AlertRule? {
        try readers.read { db in
            try db.first("SELECT id, project_id, body, created_at FROM alert_rules WHERE id = ?", [id], Self.rule)
        } ?? nil
    }

    public func updateAlertRule(_ rule: AlertRule) throws -> Bool {
        try writer.sync { db in
            try db.run("UPDATE alert_rules SET body = ? WHERE id = ?", [Self.body(rule), rule.id])
            return db.changes == 1
        }
    }

    public func deleteAlertRule(id: Int) throws -> Bool {
        try writer.sync { db in
            try db.run("DELETE FROM alert_rules WHERE id = ?", [id])
            let deleted = db.changes == 1
            try db.run("DELETE FROM alert_rule_issues WHERE rule_id = ?", [id])
            return deleted
        }
    }

    public func recordFirings(_ firings: [NewFiring]) throws -> Int {
        guard !firings.isEmpty else { return 0 }
        return try writer.sync { db in
            var kept = 0
            for firing in firings {
                let rule = firing.rule
                // The interval check and the mark are in the transaction that records the firing: a restart (or a
                // second firing in the same batch) sees the mark.
                let last = try db.first("SELECT last_fired FROM alert_rule_issues WHERE rule_id = ? AND issue_id = ?",
                                        [rule.id, firing.issueID]) { $0.double(0) }
                if let last, firing.firedAt - last < Double(rule.frequency) * 60 { continue }
                guard try db.first("SELECT 1 FROM alert_rules WHERE id = ?", [rule.id], { _ in true }) == true else { continue }
                try db.run("""
                    INSERT INTO alert_rule_issues (rule_id, issue_id, last_fired) VALUES (?, ?, ?)
                    ON CONFLICT (rule_id, issue_id) DO UPDATE SET last_fired = excluded.last_fired
                    """, [rule.id, firing.issueID, firing.firedAt])
                try db.run("""
                    INSERT INTO alert_firings (rule_id, project_id, issue_id, event_id, trigger, fired_at, payload)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, [rule.id, rule.projectID, firing.issueID, firing.eventID.bytes, firing.trigger.rawValue,
                          firing.firedAt, firing.payload])
                try Self.insertDeliveries(db, firingID: Int(db.lastInsertRowID), actions: rule.actions, at: firing.firedAt)
                kept += 1
            }
            return kept
        }
    }

    /// One pending delivery per action of a firing (the outbox the dispatcher works through).
    static func insertDeliveries(_ db: SQLiteDatabase, firingID: Int, actions: [AlertRule.Action], at time: Double) throws {
        for action in actions {
            let (kind, target, secret): (String, String, String?) = switch action {
            case .webhook(let url, let secret): ("webhook", url, secret)
            case .slack(let webhook): ("slack", webhook, nil)
            case .email(let to): ("email", to, nil)
            }
            try db.run("""
                INSERT INTO alert_deliveries (firing_id, kind, target, secret, status, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, 'pending', ?, ?)
                """, [firingID, kind, target, secret, time, time])
        }
    }

    static let deliverySelect = """
        SELECT d.id, d.firing_id, d.kind, d.target, d.secret, d.status, d.attempts, d.last_status, d.last_error,
               d.delivered_at, d.next_attempt_at, f.payload
        FROM alert_deliveries d JOIN alert_firings f ON f.id = d.firing_id
        """

    public func dueDeliveries(now: Double, limit: Int) throws -> [AlertDelivery] {
        try readers.read { db in
            try db.rows(Self.deliverySelect + " WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?",
                        [now, limit], Self.delivery)
        }
    }

    public func nextDeliveryDue() throws -> Double? {
        try readers.read { db in
            try db.first("SELECT min(next_attempt_at) FROM alert_deliveries WHERE status = 'pending'") { $0.isNull(0) ? nil : $0.double(0) }
        } ?? nil
    }

    public func updateDelivery(_ d: AlertDelivery) throws {
        try writer.sync { db in
            try db.run("""
                UPDATE alert_deliveries SET status = ?, attempts = ?, last_status = ?, last_error = ?, delivered_at = ?,
                       next_attempt_at = ? WHERE id = ?
                """, [d.status.rawValue, d.attempts, d.lastStatus, d.lastError, d.deliveredAt, d.nextAttemptAt, d.id])
        }
    }

    public func alertFirings(rule: (kind: AlertFiring.Kind, id: Int)?, projectIDs: [Int], limit: Int, beforeID: Int?) throws -> [AlertFiring] {
        try readers.read { db in
            var sql = "SELECT id, kind, rule_id, project_id, issue_id, event_id, trigger, fired_at, "
                + "CASE WHEN kind = 'metric' THEN payload END FROM alert_firings WHERE "
            var values: [any SQLiteBindable] = []
            if let rule {
                sql += "kind = ? AND rule_id = ?"
                values += [rule.kind.rawValue, rule.id]
            } else {
                guard !projectIDs.isEmpty else { return [] }
                sql += "project_id IN (" + projectIDs.map { _ in "?" }.joined(separator: ",") + ")"
                values += projectIDs.map { $0 as any SQLiteBindable }
            }
            if let beforeID {
                sql += " AND id < ?"
                values.append(beforeID)
            }
            sql += " ORDER BY id DESC LIMIT ?"
            values.append(limit)
            var firings = try db.rows(sql, values) { r in
                AlertFiring(id: r.int(0), kind: AlertFiring.Kind(rawValue: r.string(1) ?? "") ?? .issue, ruleID: r.int(2),
                            projectID: r.int(3), issueID: r.isNull(4) ? nil : r.int(4),
                            eventID: r.blob(5).flatMap { EventID(bytes: $0) }, trigger: r.string(6) ?? "", firedAt: r.double(7),
                            deliveries: [], payload: r.string(8))
            }
            for i in firings.indices {
                firings[i].deliveries = try db.rows(Self.deliverySelect + " WHERE d.firing_id = ? ORDER BY d.id", [firings[i].id], Self.delivery)
            }
            return firings
        }
    }

    public func latestRelease(projectID: Int) throws -> String? {
        try readers.read { db in
            try db.first("SELECT version FROM releases WHERE project_id = ? ORDER BY id DESC LIMIT 1", [projectID]) { $0.string(0) }
        } ?? nil
    }

    private static func body(_ rule: AlertRule) -> String {
        String(decoding: AlertRuleCodec.json(rule, secrets: true).serialized, as: UTF8.self)
    }

    /// A stored rule; nil if its body no longer parses (it is then left out rather than failing every read).
    private static func rule(_ r: SQLiteRow) -> AlertRule? {
        guard let text = r.string(2), let document = try? JSONDocument(bytes: Array(text.utf8)) else { return nil }
        var stored = try? AlertRuleCodec.parse(document.root, projectID: r.int(1), stored: true, newSecret: { "" })
        stored?.id = r.int(0)
        stored?.createdAt = r.double(3)
        return stored
    }

    static func delivery(_ r: SQLiteRow) -> AlertDelivery {
        AlertDelivery(id: r.int(0), firingID: r.int(1), kind: r.string(2) ?? "", target: r.string(3) ?? "", secret: r.string(4),
                      status: AlertDelivery.Status(rawValue: r.string(5) ?? "") ?? .failed, attempts: r.int(6),
                      lastStatus: r.isNull(7) ? nil : r.int(7), lastError: r.string(8), deliveredAt: r.isNull(9) ? nil : r.double(9),
                      nextAttemptAt: r.isNull(10) ? nil : r.double(10), payload: r.string(11) ?? "{}")
    }
}

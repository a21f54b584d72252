import SQLite

/// The database schema, as ordered migrations. A released migration is never edited: changes go in a
/// new one appended below.
enum Schema {
    static var migrator: SQLiteMigrator {
        var m = SQLiteMigrator()
        m.register("0001_initial", """
            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            CREATE TABLE organizations (
                id INTEGER PRIMARY KEY,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE TABLE projects (
                id INTEGER PRIMARY KEY,
                organization_id INTEGER NOT NULL REFERENCES organizations(id),
                slug TEXT NOT NULL,
                name TEXT NOT NULL,
                platform TEXT,
                created_at REAL NOT NULL,
                UNIQUE (organization_id, slug)
            );
            CREATE TABLE project_keys (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL REFERENCES projects(id),
                public_key TEXT NOT NULL UNIQUE,
                secret_key TEXT NOT NULL,
                label TEXT NOT NULL,
                is_active INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL
            );
            CREATE TABLE api_tokens (
                id INTEGER PRIMARY KEY,
                organization_id INTEGER NOT NULL REFERENCES organizations(id),
                token_hash BLOB NOT NULL UNIQUE,
                name TEXT,
                scopes TEXT NOT NULL,
                created_at REAL NOT NULL,
                revoked_at REAL
            );
            -- Request bodies as received (still compressed), stored once however many items point into them.
            CREATE TABLE payloads (
                id INTEGER PRIMARY KEY,
                encoding TEXT NOT NULL,
                format TEXT NOT NULL,
                bytes BLOB NOT NULL
            );
            -- Rowids grow with time, so inserts append; only the event-id index takes random inserts.
            CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                event_id BLOB NOT NULL,
                type TEXT NOT NULL,
                received_at REAL NOT NULL,
                timestamp REAL NOT NULL,
                level TEXT,
                platform TEXT,
                release TEXT,
                environment TEXT,
                payload_id INTEGER NOT NULL,
                item_index INTEGER NOT NULL
            );
            CREATE UNIQUE INDEX events_project_event_id ON events (project_id, event_id);
            CREATE TABLE envelope_items (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                type TEXT NOT NULL,
                event_id BLOB,
                received_at REAL NOT NULL,
                quantity INTEGER NOT NULL,
                payload_id INTEGER NOT NULL,
                item_index INTEGER NOT NULL
            );
            CREATE INDEX envelope_items_project_type ON envelope_items (project_id, type, id);
            -- What happened to what was sent, per hour: accepted, filtered, invalid, … (Relay's outcomes).
            CREATE TABLE outcomes (
                project_id INTEGER NOT NULL,
                hour INTEGER NOT NULL,
                category TEXT NOT NULL,
                outcome TEXT NOT NULL,
                reason TEXT NOT NULL,
                quantity INTEGER NOT NULL,
                PRIMARY KEY (project_id, hour, category, outcome, reason)
            ) WITHOUT ROWID;
            """)
        return m
    }
}

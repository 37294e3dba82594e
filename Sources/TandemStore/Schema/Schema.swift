/// The store's schema: version 1, then each migration after it. Every table and column is
/// described in `Specs/storage.md`; change both together, and only by appending a migration.
enum Schema {
    static let version1 = """
        CREATE TABLE device (
            id      TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 32),
            name    TEXT NOT NULL CHECK (length(name) > 0),
            created INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TRIGGER device_is_single BEFORE INSERT ON device
            WHEN (SELECT count(*) FROM device) > 0
            BEGIN SELECT RAISE(ABORT, 'a store has exactly one device'); END;

        CREATE TABLE replicas (
            replica     TEXT PRIMARY KEY NOT NULL CHECK (length(replica) = 32),
            device_name TEXT NOT NULL,
            first_seen  INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE document_types (
            name        TEXT PRIMARY KEY NOT NULL,
            text_fields TEXT NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO document_types (name, text_fields) VALUES
            ('project', '["caption","text"]'),
            ('caption', '["caption","text"]');

        CREATE TABLE documents (
            id      TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
            type    TEXT NOT NULL REFERENCES document_types (name),
            name    TEXT NOT NULL DEFAULT '',
            created INTEGER NOT NULL,
            deleted INTEGER
        ) WITHOUT ROWID;

        CREATE TABLE changes (
            seq           INTEGER PRIMARY KEY AUTOINCREMENT,
            document      TEXT NOT NULL REFERENCES documents (id),
            replica       TEXT NOT NULL REFERENCES replicas (replica),
            counter_start INTEGER NOT NULL CHECK (counter_start >= 0),
            counter_end   INTEGER NOT NULL CHECK (counter_end > counter_start),
            lamport       INTEGER NOT NULL CHECK (lamport > 0),
            deps          BLOB NOT NULL,
            time          INTEGER NOT NULL,
            device        TEXT NOT NULL,
            change_count  INTEGER NOT NULL CHECK (change_count > 0),
            op_count      INTEGER NOT NULL CHECK (op_count > 0),
            message       TEXT,
            blob          BLOB NOT NULL
        );
        CREATE UNIQUE INDEX changes_by_replica ON changes (document, replica, counter_start);
        CREATE INDEX changes_by_document ON changes (document, seq);
        CREATE INDEX changes_by_time ON changes (document, time);
        -- A replica's rows tile its counters 0 ..< n without gap or overlap: each new row starts
        -- where that replica's last row in the document ends.
        CREATE TRIGGER changes_are_contiguous BEFORE INSERT ON changes
            WHEN NEW.counter_start != coalesce((SELECT counter_end FROM changes
                WHERE document = NEW.document AND replica = NEW.replica
                ORDER BY counter_start DESC LIMIT 1), 0)
            BEGIN SELECT RAISE(ABORT, 'change counters must continue the replica''s last change'); END;
        -- Rows are never rewritten; compaction only replaces a run of one author's rows by one row
        -- holding the same changes.
        CREATE TRIGGER changes_are_immutable BEFORE UPDATE ON changes
            BEGIN SELECT RAISE(ABORT, 'change rows are never updated'); END;

        CREATE TABLE snapshots (
            document    TEXT PRIMARY KEY NOT NULL REFERENCES documents (id),
            covered_seq INTEGER NOT NULL,
            change_rows INTEGER NOT NULL,
            version     BLOB NOT NULL,
            snapshot    BLOB NOT NULL,
            created     INTEGER NOT NULL
        );

        CREATE TABLE peers (
            id      TEXT PRIMARY KEY NOT NULL,
            state   BLOB NOT NULL,
            updated INTEGER NOT NULL
        );

        CREATE TABLE outbox (
            seq      INTEGER PRIMARY KEY REFERENCES changes (seq),
            document TEXT NOT NULL REFERENCES documents (id),
            queued   INTEGER NOT NULL
        );
        CREATE INDEX outbox_by_document ON outbox (document, seq);
        """

    /// Version 2: the revision log (then kept by the store for the relay's account stores; since
    /// version 4 the relay owns it) and the time a tombstone was last lifted.
    static let version2 = """
        CREATE TABLE revisions (
            revision INTEGER PRIMARY KEY AUTOINCREMENT,
            document TEXT NOT NULL REFERENCES documents (id),
            version  BLOB NOT NULL,
            name     TEXT NOT NULL,
            deleted  INTEGER,
            time     INTEGER NOT NULL,
            own      INTEGER NOT NULL DEFAULT 0 CHECK (own IN (0, 1)),
            request  TEXT CHECK (request IS NULL OR length(request) = 64)
        );
        CREATE INDEX revisions_by_document ON revisions (document, revision);
        CREATE INDEX revisions_by_request ON revisions (document, request) WHERE request IS NOT NULL;
        ALTER TABLE documents ADD COLUMN restored INTEGER;
        ALTER TABLE documents ADD COLUMN revision INTEGER;
        """

    /// Version 3: change identity (format 2). The device's Ed25519 signing key (its replica id is
    /// derived from the key's public half), and every replica this store has authored under:
    /// the current one, and those it retired when it found another store using them (a restored
    /// backup or a copied file, `Specs/storage.md` §4.6).
    static let version3 = """
        ALTER TABLE device ADD COLUMN signing_key BLOB CHECK (signing_key IS NULL OR length(signing_key) = 32);
        CREATE TABLE own_replicas (
            replica TEXT PRIMARY KEY NOT NULL CHECK (length(replica) = 32),
            since   INTEGER NOT NULL,
            retired INTEGER,
            reason  TEXT
        ) WITHOUT ROWID;
        """

    /// Version 4: the revision log leaves the store. `documents.revision` goes; the `revisions`
    /// table goes too when it is empty, which it is everywhere but in a relay's account store
    /// (`Migrations.dropUnusedRevisionLog`), where the relay keeps it as its own table.
    static let version4 = """
        ALTER TABLE documents DROP COLUMN revision;
        """
}

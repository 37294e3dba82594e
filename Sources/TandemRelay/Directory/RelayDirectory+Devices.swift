// RelayDirectory: device and account queries, last-seen records, replica binding, revoked replicas.
public import TandemCRDT
public import TandemStore

extension RelayDirectory {
    /// The account's valid devices, oldest first.
    public func devices(account: String) throws(StoreError) -> [RelayDeviceRecord] {
        try devices("WHERE account = ?1 AND revoked IS NULL ORDER BY id", [.text(account)])
    }

    /// The device with row id `id`, revoked or not.
    public func device(id: Int64) throws(StoreError) -> RelayDeviceRecord? {
        try firstDevice("WHERE id = ?1", [.integer(id)])
    }

    /// Which of `ids` are still valid (not revoked): the relay closes the sessions of the rest.
    public func validDevices(among ids: [Int64]) throws(StoreError) -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let list = ids.map(String.init).joined(separator: ",")
        let rows = try sqlite { () throws(DatabaseError) in
            try database.rows("SELECT id FROM devices WHERE revoked IS NULL AND id IN (\(list))") { $0.int64(0) }
        }
        return Set(rows)
    }

    /// Every account, by name.
    public func accounts() throws(StoreError) -> [String] {
        try sqlite { () throws(DatabaseError) in try database.rows("SELECT name FROM accounts ORDER BY name") { $0.text(0) } }
    }

    /// Records that `replica`, announcing itself as `name`, is connected with the device's token
    /// now (or was until now, when it disconnects).
    public func recordSeen(device id: Int64, replica: ReplicaID, announcedName: String) throws(StoreError) {
        try transaction { () throws(StoreError) in
            try sqlite { () throws(DatabaseError) in
                try database.run("UPDATE devices SET replica = ?1, announced_name = ?2, last_seen = ?3 WHERE id = ?4",
                    [.text(replica.description), .text(announcedName), .integer(clock()), .integer(id)])
            }
        }
    }

    /// Binds `replica` (with its public key) to device `id` unless it is bound already. Returns
    /// the device it is bound to: `id`, or another device, which must then be refused.
    public func bind(replica: ReplicaID, key: AuthorKey, to id: Int64) throws(StoreError) -> Int64 {
        try transaction { () throws(StoreError) in
            try sqlite { () throws(DatabaseError) in
                try database.run("INSERT OR IGNORE INTO replica_bindings (replica, device, key, bound) VALUES (?1, ?2, ?3, ?4)",
                    [.text(replica.description), .integer(id), .blob(key.bytes), .integer(clock())])
                return try database.firstRow("SELECT device FROM replica_bindings WHERE replica = ?1", [.text(replica.description)]) {
                    $0.int64(0)
                } ?? id
            }
        }
    }

    /// Which of `replicas` are bound to a revoked device.
    public func revokedReplicas(among replicas: Set<ReplicaID>) throws(StoreError) -> Set<ReplicaID> {
        guard !replicas.isEmpty else { return [] }
        let list = replicas.map { "'\($0.description)'" }.joined(separator: ",")
        let rows = try sqlite { () throws(DatabaseError) in
            try database.rows("""
                SELECT b.replica FROM replica_bindings b JOIN devices d ON d.id = b.device
                WHERE d.revoked IS NOT NULL AND b.replica IN (\(list))
                """) { $0.text(0) }
        }
        return Set(rows.compactMap(ReplicaID.init(hex:)))
    }

    func firstDevice(_ clause: String, _ values: [DatabaseValue]) throws(StoreError) -> RelayDeviceRecord? {
        try devices(clause + " LIMIT 1", values).first
    }

    func devices(_ clause: String, _ values: [DatabaseValue]) throws(StoreError) -> [RelayDeviceRecord] {
        let rows = try sqlite { () throws(DatabaseError) in
            try database.rows("""
                SELECT id, account, coalesce(name, announced_name, 'unnamed device'), created, revoked, replica, last_seen
                FROM devices \(clause)
                """, values) {
                ($0.int64(0), $0.text(1), $0.text(2), $0.int64(3), $0.optionalInt64(4), $0.optionalText(5), $0.optionalInt64(6))
            }
        }
        var result: [RelayDeviceRecord] = []
        for (id, account, name, created, revoked, replicaText, lastSeen) in rows {
            var replica: ReplicaID?
            if let replicaText {
                guard let parsed = ReplicaID(hex: replicaText) else {
                    throw StoreError(.corrupt, "the relay database holds a malformed replica id; restore it from a backup")
                }
                replica = parsed
            }
            result.append(RelayDeviceRecord(id: id, account: account, name: name, created: created, revoked: revoked, replica: replica,
                lastSeen: lastSeen))
        }
        return result
    }
}

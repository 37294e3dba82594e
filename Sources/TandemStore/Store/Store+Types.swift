// Store: declaring document types and reading them back.
import TandemCRDT

extension Store {
    /// Declares a document type (or replaces its text fields). Documents created afterwards
    /// may use it; ``put(_:json:message:)`` diffs their text fields character by character.
    public func declare(_ type: DocumentType) throws(StoreError) {
        try write { () throws(StoreError) in try insertType(type, replacing: true) }
    }

    /// Every declared type, by name.
    public func documentTypes() throws(StoreError) -> [DocumentType] {
        let rows = try sqlite { () throws(DatabaseError) in
            try database.rows("SELECT name, text_fields FROM document_types ORDER BY name") { ($0.text(0), $0.text(1)) }
        }
        var types: [DocumentType] = []
        for (name, fields) in rows { types.append(try Store.decodeType(name: name, textFields: fields)) }
        return types
    }

    /// The declared type `name`.
    /// - Throws: `.notFound` when no such type is declared.
    public func documentType(named name: String) throws(StoreError) -> DocumentType {
        let fields = try sqlite { () throws(DatabaseError) in
            try database.firstRow("SELECT text_fields FROM document_types WHERE name = ?1", [.text(name)]) { $0.text(0) }
        }
        guard let fields else {
            let known = (try? documentTypes().map(\.name).joined(separator: ", ")) ?? "project, caption"
            throw StoreError(.notFound, "that document type is not declared; declared types: \(known)")
        }
        return try Store.decodeType(name: name, textFields: fields)
    }

    func insertType(_ type: DocumentType, replacing: Bool) throws(StoreError) {
        let fields = JSONValue.array(type.schema.textFields.sorted().map(JSONValue.string)).serialized()
        try sqlite { () throws(DatabaseError) in
            try database.run("INSERT INTO document_types (name, text_fields) VALUES (?1, ?2) ON CONFLICT (name) DO "
                + (replacing ? "UPDATE SET text_fields = excluded.text_fields" : "NOTHING"),
                [.text(type.name), .text(fields)])
        }
    }

    static func decodeType(name: String, textFields: String) throws(StoreError) -> DocumentType {
        let corrupt = StoreError(.corrupt, "a stored document type is malformed; restore the store from an export")
        guard case .array(let items)? = try? JSONValue(parsing: textFields) else { throw corrupt }
        var fields: Set<String> = []
        for item in items {
            guard let field = item.stringValue else { throw corrupt }
            fields.insert(field)
        }
        guard let type = DocumentType(name: name, schema: DocumentSchema(textFields: fields)) else { throw corrupt }
        return type
    }
}

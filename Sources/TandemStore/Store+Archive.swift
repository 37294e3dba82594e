import TandemCRDT

/// What an export wrote.
public struct ExportReport: Hashable, Sendable {
    /// Documents in the archive (deleted ones included, marked as such).
    public var documents: Int
    /// Size of the archive file.
    public var bytes: Int
}

extension Store {
    /// Writes every document (deleted ones marked as such) to a `.tar.gz` archive at `path`:
    /// `manifest.json` (format version, per-document type, name, counts, version and status,
    /// CRC-32 of every other file), `documents/<id>.json` (the value as plain JSON) and
    /// `documents/<id>.tndm` (the full history, an encoded ``ChangeSet``). The file appears
    /// complete or not at all.
    @discardableResult
    public func export(to path: String) throws(StoreError) -> ExportReport {
        let now = clock()
        let (manifest, files) = try read { () throws(StoreError) -> (Manifest, [(String, [UInt8])]) in
            var files: [(String, [UInt8])] = []
            var entries: [Manifest.DocumentEntry] = []
            for row in try documentRows() {
                let document = try loaded(row.id, allowDeleted: true).document
                let history = document.changes()
                let json = Array((document.toJSON().serialized(pretty: true) + "\n").utf8)
                let tndm = history.encoded()
                let jsonFile = Manifest.FileReference(path: "documents/\(row.id).json", contents: json)
                let historyFile = Manifest.FileReference(path: "documents/\(row.id).tndm", contents: tndm)
                files.append((jsonFile.path, json))
                files.append((historyFile.path, tndm))
                entries.append(Manifest.DocumentEntry(row: row, changeCount: history.count,
                    operationCount: document.operationCount, version: document.version, json: jsonFile, history: historyFile))
            }
            let manifest = Manifest(exported: now, device: device, types: try documentTypes(), replicas: try replicas(),
                documents: entries)
            return (manifest, files)
        }
        var tar = TarWriter()
        tar.addFile(name: "manifest.json", contents: Array((manifest.json.serialized(pretty: true) + "\n").utf8), modified: now / 1_000)
        for (name, contents) in files { tar.addFile(name: name, contents: contents, modified: now / 1_000) }
        let archive = try Gzip.compress(tar.finished())
        try FileIO.writeAtomically(archive, to: path)
        return ExportReport(documents: manifest.documents.count, bytes: archive.count)
    }

    /// Restores an archive written by ``export(to:)``: verifies everything first (gzip and tar
    /// checksums, the manifest, every file's size and CRC-32, every history's decoding, and
    /// that replaying it gives exactly the manifest's version and the archived JSON), then
    /// writes it all in one transaction. Documents the store has already are merged. A corrupt
    /// or truncated archive changes nothing.
    /// - Throws: `.invalidArchive` with what is wrong.
    @discardableResult
    public func importArchive(from path: String) throws(StoreError) -> MergeReport {
        let (manifest, documents) = try Store.verifiedArchive(FileIO.read(path))
        return try write { () throws(StoreError) in
            for type in manifest.types { try insertType(type, replacing: false) }
            try recordReplicas(manifest.replicas, authoritative: manifest.device)
            let authors = Dictionary(manifest.replicas.map { ($0.id, $0.deviceName) }, uniquingKeysWith: { first, _ in first })
            var report = MergeReport()
            for (entry, document) in zip(manifest.documents, documents) {
                try absorb(entry.row, from: document, authors: authors, into: &report)
            }
            return report
        }
    }

    /// Decodes and checks an archive completely, returning its manifest and each document
    /// rebuilt from its history; nothing is written.
    static func verifiedArchive(_ bytes: [UInt8]) throws(StoreError) -> (Manifest, [Document]) {
        func invalid(_ what: String) -> StoreError {
            StoreError(.invalidArchive, "the archive is not a valid export: \(what); export it again from the source store")
        }
        var files: [String: [UInt8]] = [:]
        for entry in try TarReader.entries(Gzip.decompress(bytes)) {
            guard files.updateValue(entry.contents, forKey: entry.name) == nil else { throw invalid("it holds a file twice") }
        }
        guard let manifestBytes = files.removeValue(forKey: "manifest.json") else { throw invalid("manifest.json is missing") }
        let manifestJSON: JSONValue
        do {
            manifestJSON = try JSONValue(parsing: manifestBytes)
        } catch {
            throw invalid("manifest.json is not valid JSON (\(error.code.rawValue))")
        }
        let manifest = try Manifest(json: manifestJSON)
        let typeNames = Set(manifest.types.map(\.name))
        var seen: Set<DocumentID> = []
        var documents: [Document] = []
        for entry in manifest.documents {
            guard seen.insert(entry.row.id).inserted else { throw invalid("a document is listed twice") }
            guard typeNames.contains(entry.row.type) else { throw invalid("a document has an undeclared type") }
            let json = try checkedFile(entry.json, expectedPath: "documents/\(entry.row.id).json", in: &files)
            let tndm = try checkedFile(entry.history, expectedPath: "documents/\(entry.row.id).tndm", in: &files)
            // An archive's history must be signed by its authors, as any received change.
            let document = Document(signingKey: SigningKey())
            let history: ChangeSet
            do {
                history = try ChangeSet(encoded: tndm)
                try document.apply(history)
            } catch {
                throw invalid("a document's history does not decode (\(error.code.rawValue))")
            }
            guard history.count == entry.changeCount else { throw invalid("a history holds another number of changes than listed") }
            guard document.pendingChangeCount == 0, document.version == entry.version,
                document.operationCount == entry.operationCount
            else { throw invalid("a document's history does not reach the version the manifest lists") }
            guard Array((document.toJSON().serialized(pretty: true) + "\n").utf8) == json else {
                throw invalid("a document's JSON differs from the value its history gives")
            }
            documents.append(document)
        }
        guard files.isEmpty else { throw invalid("it holds files the manifest does not list") }
        return (manifest, documents)
    }

    private static func checkedFile(_ reference: Manifest.FileReference, expectedPath: String, in files: inout [String: [UInt8]])
        throws(StoreError) -> [UInt8]
    {
        let invalid = StoreError(.invalidArchive, "the archive is not a valid export: a document file is missing, renamed or damaged (checksum mismatch); export it again from the source store")
        guard reference.path == expectedPath, let contents = files.removeValue(forKey: expectedPath),
            Manifest.FileReference(path: expectedPath, contents: contents) == reference
        else { throw invalid }
        return contents
    }
}

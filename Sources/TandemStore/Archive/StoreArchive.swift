import TandemCRDT

/// What an export wrote.
public struct ExportReport: Hashable, Sendable {
    /// Documents in the archive (deleted ones included, marked as such).
    public var documents: Int
    /// Size of the archive file.
    public var bytes: Int
}

extension StoreArchive {
    /// Writes every document (deleted ones marked as such) to a `.tar.gz` archive at `path`:
    /// `manifest.json` (format version, per-document type, name, counts, version and status,
    /// CRC-32 of every other file), `documents/<id>.json` (the value as plain JSON) and
    /// `documents/<id>.tndm` (the full history, an encoded ``ChangeSet``). The file appears
    /// complete or not at all.
    @discardableResult
    public func export(to path: String) throws(StoreError) -> ExportReport {
        let now = store.clock()
        let (manifest, files) = try store.read { () throws(StoreError) -> (Manifest, [(String, [UInt8])]) in
            var files: [(String, [UInt8])] = []
            var entries: [Manifest.DocumentEntry] = []
            for row in try store.documentRows() {
                let document = try store.loaded(row.id, allowDeleted: true).document
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
            let manifest = Manifest(exported: now, device: store.device, types: try store.documentTypes(), replicas: try store.replicas(),
                documents: entries)
            return (manifest, files)
        }
        var tar = TarWriter()
        tar.addFile(name: "manifest.json", contents: Array((manifest.json.serialized(pretty: true) + "\n").utf8), modified: now / 1_000)
        for (name, contents) in files { tar.addFile(name: name, contents: contents, modified: now / 1_000) }
        let archive: [UInt8]
        do {
            archive = try Gzip.compress(tar.finished())
        } catch {
            throw StoreError(.io, "the archive could not be compressed: \(error.message)")
        }
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
        return try store.write { () throws(StoreError) in
            for type in manifest.types { try store.insertType(type, replacing: false) }
            try store.recordReplicas(manifest.replicas, authoritative: manifest.device)
            let authors = Dictionary(manifest.replicas.map { ($0.id, $0.deviceName) }, uniquingKeysWith: { first, _ in first })
            var report = MergeReport()
            for (entry, document) in zip(manifest.documents, documents) {
                try store.absorb(entry.row, from: document, authors: authors, into: &report)
            }
            return report
        }
    }

    /// Brings into this store every change of the store at `otherPath` that this one lacks,
    /// document by document, as ChangeSet deltas (the path the relay uses): the other side's
    /// document computes the delta against this side's version vector, the delta crosses as
    /// encoded bytes, and this side applies and saves it. New documents, their types, device
    /// names and tombstones come along. One transaction; the other file is only read.
    ///
    /// - Throws: `.sameDevice` when both stores share a device identity (a copied file);
    ///   `.cannotOpen`, `.unsupportedVersion`, `.corrupt`.
    @discardableResult
    public func merge(from otherPath: String) throws(StoreError) -> MergeReport {
        let other = try Store.openForReading(path: otherPath)
        guard other.device.id != store.device.id else {
            throw StoreError(.sameDevice, "both stores have the same device identity (one file was copied from the other); move documents between them with export and import instead")
        }
        return try store.write { () throws(StoreError) in
            try other.read { () throws(StoreError) in
                for type in try other.documentTypes() { try store.insertType(type, replacing: false) }
                let replicas = try other.replicas()
                try store.recordReplicas(replicas, authoritative: other.device)
                let authors = Dictionary(uniqueKeysWithValues: replicas.map { ($0.id, $0.deviceName) })
                var report = MergeReport()
                for row in try other.documentRows() {
                    let incoming = try other.load(row, replica: .random()).document
                    try store.absorb(row, from: incoming, authors: authors, into: &report)
                }
                return report
            }
        }
    }
}

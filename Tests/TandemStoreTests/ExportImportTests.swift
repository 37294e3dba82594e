import Testing
import TandemCRDT
@testable import TandemStore
import TandemTestSupport

/// Export then import reproduces every document exactly; a damaged archive changes nothing.
@Suite struct ExportImportTests {
    /// A store with the kinds of document an export must carry: edited text, merged changes
    /// from another device, a custom type, a deleted document, an empty one, a long history.
    private func populatedStore(in directory: TemporaryDirectory) throws -> Store {
        let store = try Store.open(path: directory.file("source.sqlite"), deviceName: "laptop")
        store.maintenance.compaction = CompactionPolicy(maximumTailChanges: 20, minimumTailBytes: 256)
        try store.declare(DocumentType(name: "note", schema: DocumentSchema(textFields: ["body"]))!)
        let project = try store.createDocument(name: "Trip", json: ["caption": "Sunset", "tags": ["a", "b"], "n": 2.5])
        for index in 0..<50 { try store.insertText("\(index % 10)", at: index % 7, path: ["caption"], in: project) }
        let other = try Store.open(path: directory.file("phone.sqlite"), deviceName: "phone")
        try other.archive.merge(from: store.path)
        try other.put(project, json: ["caption": "Phone edit", "tags": ["b"], "n": 3, "extra": ["deep": [1, 2]]])
        try store.archive.merge(from: other.path)
        try store.createDocument(type: "note", name: "Note", json: ["body": "éàü 🎉 text", "title": "t"])
        let gone = try store.createDocument(json: ["n": 1])
        try store.delete(gone)
        try store.createDocument(type: "caption")
        return store
    }

    @Test func exportThenImportIntoAnEmptyStoreReproducesEveryDocumentExactly() throws {
        let directory = try TemporaryDirectory()
        let source = try populatedStore(in: directory)
        let archive = directory.file("export.tar.gz")
        let exported = try source.archive.export(to: archive)
        #expect(exported.documents == 4)

        let target = try Store.open(path: directory.file("target.sqlite"), deviceName: "new machine")
        let report = try target.archive.importArchive(from: archive)
        #expect(report.documentsCreated == 4)
        #expect(try target.documentTypes() == (try source.documentTypes()))
        let sourceInfos = try source.list(includeDeleted: true)
        let targetInfos = try target.list(includeDeleted: true)
        #expect(targetInfos.map(\.id) == sourceInfos.map(\.id))
        for (before, after) in zip(sourceInfos, targetInfos) {
            #expect(after.type == before.type && after.name == before.name)
            #expect(after.created == before.created && after.deleted == before.deleted)
            #expect(try target.version(after.id) == (try source.version(before.id)))
            #expect(try target.history(after.id).count == (try source.history(before.id)).count)
            let sourceDevices = try source.history(before.id).map(\.deviceName).sorted()
            #expect(try target.history(after.id).map(\.deviceName).sorted() == sourceDevices)
            if before.deleted == nil {
                #expect(try target.json(after.id) == (try source.json(before.id)))
                #expect(try target.document(after.id).encodeState() == (try source.document(before.id)).encodeState())
            }
        }
        // Importing again adds nothing: documents merge, and all their changes are known.
        let again = try target.archive.importArchive(from: archive)
        #expect(again.changes == 0 && again.documentsCreated == 0)
    }

    @Test func aTruncatedOrCorruptArchiveIsRefusedAndChangesNothing() throws {
        let directory = try TemporaryDirectory()
        let source = try populatedStore(in: directory)
        let archive = directory.file("export.tar.gz")
        try source.archive.export(to: archive)
        let bytes = try FileIO.read(archive)
        let targetPath = directory.file("target.sqlite")
        let target = try Store.open(path: targetPath)
        try target.createDocument(json: ["keep": "me"])
        let before = try StoreInspection(path: targetPath).dump()

        var damaged: [[UInt8]] = [[], Array(bytes.prefix(10)), Array(bytes.prefix(bytes.count / 2)), Array(bytes.dropLast(1)),
            Array(bytes.dropLast(8)), bytes + [0]]
        // Past gzip's 10-byte header (whose time and OS bytes no checksum covers) every byte counts.
        for position in stride(from: 10, to: bytes.count, by: max(1, bytes.count / 40)) {
            var copy = bytes
            copy[position] ^= 0x5A
            damaged.append(copy)
        }
        // A flip in the deflate stream's unused padding bits changes no byte of the content: that
        // archive is not damaged, and importing it is right.
        let content = try Gzip.decompress(bytes)
        damaged.removeAll { (try? Gzip.decompress($0)) == content }
        for (index, candidate) in damaged.enumerated() {
            let path = directory.file("damaged-\(index).tar.gz")
            try FileIO.writeAtomically(candidate, to: path)
            let error = try #require(throws: StoreError.self, "damaged archive \(index)") { try target.archive.importArchive(from: path) }
            #expect(error.code == .invalidArchive, "damaged archive \(index): \(error)")
        }
        #expect(try StoreInspection(path: targetPath).dump() == before)
    }

    @Test func anArchiveWhoseFilesDisagreeWithTheManifestIsRefused() throws {
        let directory = try TemporaryDirectory()
        let source = try populatedStore(in: directory)
        let archive = directory.file("export.tar.gz")
        try source.archive.export(to: archive)
        let entries = try TarReader.entries(Gzip.decompress(FileIO.read(archive)))
        let target = try Store.open(path: directory.file("target.sqlite"))
        let before = try StoreInspection(path: target.path).dump()

        func repacked(_ change: (inout [TarReader.Entry]) -> Void) throws -> String {
            var copy = entries
            change(&copy)
            var writer = TarWriter()
            for entry in copy { writer.addFile(name: entry.name, contents: entry.contents, modified: 0) }
            let path = directory.file("repacked.tar.gz")
            try FileIO.writeAtomically(Gzip.compress(writer.finished()), to: path)
            return path
        }
        func expectRefused(_ what: Comment, _ change: (inout [TarReader.Entry]) -> Void) throws {
            let path = try repacked(change)
            let error = try #require(throws: StoreError.self, what) { try target.archive.importArchive(from: path) }
            #expect(error.code == .invalidArchive, what)
        }
        // A faithful repack imports: the checks below fail for their own reason only.
        #expect(throws: Never.self) { try Store.verifiedArchive(FileIO.read(repacked { _ in })) }
        try expectRefused("a history byte changed") { entries in
            let index = entries.firstIndex { $0.name.hasSuffix(".tndm") }!
            entries[index].contents[entries[index].contents.count / 2] ^= 1
        }
        try expectRefused("a JSON file edited") { entries in
            let index = entries.firstIndex { $0.name.hasSuffix(".json") && $0.name != "manifest.json" }!
            entries[index].contents = Array("{}\n".utf8)
        }
        try expectRefused("a file missing") { entries in entries.removeAll { $0.name.hasSuffix(".tndm") } }
        try expectRefused("an unlisted file") { entries in entries.append(TarReader.Entry(name: "extra.txt", contents: [1])) }
        try expectRefused("a newer format") { entries in
            let text = String(decoding: entries[0].contents, as: UTF8.self)
            entries[0].contents = Array(text.replacingOccurrences("\"formatVersion\": 1", "\"formatVersion\": 2").utf8)
        }
        try expectRefused("no manifest") { entries in entries.removeFirst() }
        #expect(try StoreInspection(path: target.path).dump() == before)
    }

    @Test func tarAndGzipRoundTripAndCRC32MatchesTheStandard() throws {
        #expect(BlobCodec.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        var writer = TarWriter()
        writer.addFile(name: "a.txt", contents: Array("hello".utf8), modified: 1_700_000_000)
        writer.addFile(name: "documents/b.bin", contents: [UInt8](repeating: 7, count: 1_000), modified: 0)
        writer.addFile(name: "empty", contents: [], modified: 0)
        let archive = try Gzip.compress(writer.finished())
        let entries = try TarReader.entries(Gzip.decompress(archive))
        #expect(entries.map(\.name) == ["a.txt", "documents/b.bin", "empty"])
        #expect(entries.map(\.contents) == [Array("hello".utf8), [UInt8](repeating: 7, count: 1_000), []])
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

// EditingTrace: loading a trace from a .json or .json.gz file (gunzip, parse, name).
import TandemCRDT

extension EditingTrace {
    /// Loads a .json.gz (gzip, via zlib's inflate with windowBits 15+32) or plain .json file.
    ///
    /// A file is decompressed when its name ends in `.gz` or it starts with the
    /// gzip magic number. The trace's `name` is the file name without
    /// `.json.gz` / `.json`.
    public static func load(path: String) throws(TraceError) -> EditingTrace {
        let raw = try FileBytes.read(path: path)
        let json = path.hasSuffix(".gz") || Gzip.hasMagic(raw) ? try gunzip(raw) : raw
        return try EditingTrace(name: traceName(ofPath: path), json: json)
    }

    /// Decompresses a gzip (or zlib) file the way `gunzip` does, concatenated members joined;
    /// corrupt, truncated or trailing-garbage input throws `.badGzip`.
    static func gunzip(_ bytes: [UInt8]) throws(TraceError) -> [UInt8] {
        do {
            return try Gzip.decompress(bytes)
        } catch {
            throw TraceError(.badGzip, error.message)
        }
    }

    /// Parses already-decompressed JSON bytes.
    ///
    /// Throws `.malformed`, naming the byte offset, for invalid or truncated JSON
    /// and for JSON that breaks the trace format's rules (for example a parent
    /// that is not an earlier transaction).
    public init(name: String, json: [UInt8]) throws(TraceError) {
        let document = try json.withUnsafeBufferPointer { (bytes) throws(TraceError) -> TraceDecoder.Document in
            var decoder = TraceDecoder(TraceJSONReader(bytes))
            return try decoder.decodeDocument()
        }
        self.name = name
        self.kind = document.kind
        self.startContent = document.startContent
        self.endContent = document.endContent
        self.agentCount = document.agentCount
        self.patches = document.patches
        self.transactions = document.transactions
    }

    /// `dir/automerge-paper.json.gz` → `automerge-paper`.
    static func traceName(ofPath path: String) -> String {
        var name = Substring(path)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        for suffix in [".gz", ".json"] where name.hasSuffix(suffix) {
            name = name.dropLast(suffix.count)
        }
        return String(name)
    }
}

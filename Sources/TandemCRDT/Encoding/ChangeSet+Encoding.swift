// ChangeSet: the change-log encoding (tables, columns, seals) and its validating decoder.
extension ChangeSet {
    /// The change-log encoding: tables, then one column per field, in the envelope (zstd above
    /// a small size). Layout in `Specs/encoding.md`.
    public func encoded(compress: Bool = true) -> [UInt8] {
        Envelope.wrap(encodedBody(), kind: .changeSet, compress: compress)
    }

    /// Decodes and fully validates a change set.
    /// - Throws: ``TandemCRDTError`` (`.truncated`, `.badMagic`, `.unsupportedVersion`,
    ///   `.checksumMismatch`, `.malformed`, `.tooLarge`, `.compression`).
    public init(encoded data: [UInt8]) throws(TandemCRDTError) {
        let body = try Envelope.unwrap(data, expecting: .changeSet)
        var reader = ByteReader(body)
        try self.init(body: &reader)
        guard reader.isAtEnd else { throw TandemCRDTError(.malformed, "trailing bytes after the change set") }
    }

    func encodedBody() -> [UInt8] {
        var output = ByteWriter()
        writeTables(to: &output)
        output.uvarint(records.count)
        var replicaColumn = ByteWriter(), counterColumn = ByteWriter(), lengthColumn = ByteWriter()
        var lamportColumn = ByteWriter(), depsColumn = ByteWriter(), timeColumn = ByteWriter()
        var messageColumn = ByteWriter(), opCountColumn = ByteWriter()
        var containerColumn = ByteWriter(), kindColumn = ByteWriter(), opLengthColumn = ByteWriter()
        var referenceColumn = ByteWriter(), valueColumn = ByteWriter(), listColumn = ByteWriter()
        var counterDeltaColumn = ByteWriter()
        var text = UTF8Buffer()
        var expected = [UInt32](repeating: 0, count: replicas.count)
        var previousLamportEnd: Int64 = 0
        var previousTime: Int64 = 0
        for record in records {
            replicaColumn.uvarint(record.replica)
            counterColumn.svarint(Int64(record.counter) - Int64(expected[Int(record.replica)]))
            expected[Int(record.replica)] = record.endCounter
            lengthColumn.uvarint(record.length)
            lamportColumn.svarint(Int64(record.lamport) - previousLamportEnd)
            previousLamportEnd = Int64(record.lamport) + Int64(record.length)
            depsColumn.uvarint(record.depsCount)
            for dep in deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)] {
                depsColumn.uvarint(dep.replica)
                depsColumn.svarint(Int64(dep.counter) - Int64(record.counter))
            }
            timeColumn.svarint(record.time &- previousTime)
            previousTime = record.time
            messageColumn.uvarint(UInt64(record.message + 1))
            opCountColumn.uvarint(record.opsCount)
            for op in ops[opRange(of: record)] {
                containerColumn.uvarint(op.container)
                // Counters are deltas from the op's own counter, except an insert's right origin,
                // which is a delta from its left origin (neighbours are usually typed close in time).
                func reference(_ id: LocalID, base: UInt32? = nil) {
                    if id.isNone {
                        referenceColumn.uvarint(0)
                    } else {
                        referenceColumn.uvarint(UInt64(id.replica) + 1)
                        counterDeltaColumn.svarint(Int64(id.counter) - Int64(base ?? op.counter))
                    }
                }
                switch op.kind {
                case .insert(let left, let right, let content, let length):
                    kindColumn.byte(OpTag.insert)
                    opLengthColumn.uvarint(length)
                    reference(left)
                    reference(right, base: left.isNone ? nil : left.counter)
                    let range = Int(content)..<Int(content + length)
                    if containers[Int(op.container)].type == .text {
                        text.append(contentsOf: scalars[range])
                    } else {
                        for value in values[range] { value.write(to: &listColumn) }
                    }
                case .delete(let target, let length, let reversed):
                    kindColumn.byte(reversed ? OpTag.deleteBackward : OpTag.delete)
                    opLengthColumn.uvarint(length)
                    reference(target)
                case .mapSet(let key, let value, let pred):
                    kindColumn.byte(OpTag.mapSet)
                    referenceColumn.uvarint(key)
                    referenceColumn.uvarint(pred.count)
                    for id in pred { reference(id) }
                    value.write(to: &valueColumn)
                case .mapDelete(let key, let pred):
                    kindColumn.byte(OpTag.mapDelete)
                    referenceColumn.uvarint(key)
                    referenceColumn.uvarint(pred.count)
                    for id in pred { reference(id) }
                case .increment(let amount):
                    kindColumn.byte(OpTag.increment)
                    valueColumn.uint64(amount.bitPattern)
                }
            }
        }
        for column in [replicaColumn, counterColumn, lengthColumn, lamportColumn, depsColumn, timeColumn,
            messageColumn, opCountColumn, containerColumn, kindColumn, opLengthColumn, referenceColumn,
            counterDeltaColumn, valueColumn, listColumn]
        {
            output.section(column)
        }
        output.uvarint(text.bytes.count)
        output.bytes.append(contentsOf: text.bytes)
        writeSeals(to: &output)
        return output.bytes
    }

    /// The seals (§3.10 of the spec): count, then per author its index, a flags byte (bit 0:
    /// link, bit 1: signature), the link's 32 bytes, the key's 32 and the signature's 64.
    func writeSeals(to output: inout ByteWriter) {
        output.uvarint(seals.count)
        for seal in seals {
            output.uvarint(seal.replica)
            output.byte((seal.link == nil ? 0 : 1) | (seal.signature == nil ? 0 : 2))
            if let link = seal.link { output.bytes.append(contentsOf: link.bytes) }
            if let signed = seal.signature {
                output.bytes.append(contentsOf: signed.key.bytes)
                output.bytes.append(contentsOf: signed.signature)
            }
        }
    }

    mutating func readSeals(from reader: inout ByteReader) throws(TandemCRDTError) {
        func fail(_ what: String) -> TandemCRDTError { TandemCRDTError(.malformed, "change set: \(what)") }
        let count = try reader.count(minimumBytes: 2)
        for _ in 0..<count {
            let replica = try reader.uvarint32()
            guard Int(replica) < replicas.count else { throw fail("seal of an unknown author") }
            if let previous = seals.last, previous.replica >= replica { throw fail("seals out of order") }
            let flags = try reader.byte()
            guard flags & ~3 == 0 else { throw fail("unknown seal flags") }
            var seal = AuthorSeal(replica: replica)
            if flags & 1 != 0 { seal.link = ChangeDigest(bytes: try reader.raw(32))! }
            if flags & 2 != 0 {
                guard let key = AuthorKey(bytes: Array(try reader.raw(32))) else { throw fail("not an Ed25519 public key") }
                seal.signature = SignedHead(key: key, signature: Array(try reader.raw(64)))
            }
            seals.append(seal)
        }
    }

    init(body reader: inout ByteReader) throws(TandemCRDTError) {
        self.init()
        try readTables(from: &reader)
        let recordCount = try reader.count()
        var replicaColumn = try reader.section(), counterColumn = try reader.section()
        var lengthColumn = try reader.section(), lamportColumn = try reader.section()
        var depsColumn = try reader.section(), timeColumn = try reader.section()
        var messageColumn = try reader.section(), opCountColumn = try reader.section()
        var containerColumn = try reader.section(), kindColumn = try reader.section()
        var opLengthColumn = try reader.section(), referenceColumn = try reader.section()
        var counterDeltaColumn = try reader.section()
        var valueColumn = try reader.section(), listColumn = try reader.section()
        let textBytes = try reader.raw(try reader.count())
        guard let text = UTF8Decoding.scalars(textBytes) else { throw TandemCRDTError(.malformed, "invalid UTF-8 text") }
        func fail(_ what: String) -> TandemCRDTError { TandemCRDTError(.malformed, "change set: \(what)") }
        // Deltas come from untrusted bytes: add without trapping, then require a UInt32.
        func narrow(_ base: Int64, _ delta: Int64) throws(TandemCRDTError) -> UInt32 {
            let (sum, overflow) = base.addingReportingOverflow(delta)
            guard !overflow else { throw fail("value out of range") }
            return try narrow(sum)
        }
        func narrow(_ value: Int64) throws(TandemCRDTError) -> UInt32 {
            guard value >= 0 && value <= Int64(UInt32.max) else { throw fail("value out of range") }
            return UInt32(value)
        }
        var expected = [UInt32](repeating: 0, count: replicas.count)
        var previousLamportEnd: Int64 = 0
        var previousTime: Int64 = 0
        records.reserveCapacity(recordCount)
        for _ in 0..<recordCount {
            let replica = try replicaColumn.uvarint32()
            guard Int(replica) < replicas.count else { throw fail("author index out of range") }
            let counter = try narrow(Int64(expected[Int(replica)]), try counterColumn.svarint())
            let length = try lengthColumn.uvarint32()
            guard length > 0, counter <= UInt32.max - length else { throw fail("bad change length") }
            expected[Int(replica)] = counter + length
            let lamport = try narrow(previousLamportEnd, try lamportColumn.svarint())
            previousLamportEnd = Int64(lamport) + Int64(length)
            let depsCount = try depsColumn.count(minimumBytes: 2)
            let depsStart = UInt32(deps.count)
            for _ in 0..<depsCount {
                let depReplica = try depsColumn.uvarint32()
                guard Int(depReplica) < replicas.count else { throw fail("dependency replica out of range") }
                deps.append(LocalID(replica: depReplica, counter: try narrow(Int64(counter), try depsColumn.svarint())))
            }
            previousTime = previousTime &+ (try timeColumn.svarint())
            let messagePlusOne = try messageColumn.uvarint()
            guard messagePlusOne <= UInt64(messages.count) else { throw fail("message index out of range") }
            let message = Int64(messagePlusOne) - 1
            guard message < Int64(messages.count) else { throw fail("message index out of range") }
            let opsCount = Int(try opCountColumn.uvarint32())
            // Every op takes at least one byte of the container column: bounds the loop below.
            guard opsCount > 0, opsCount <= containerColumn.remaining else { throw fail("bad op count") }
            var record = ChangeRecord(
                replica: replica, counter: counter, length: length, lamport: lamport, depsStart: depsStart,
                depsCount: UInt32(depsCount), opsStart: UInt32(ops.count), opsCount: UInt32(opsCount),
                time: previousTime, message: Int32(message))
            var opCounter = counter
            for _ in 0..<opsCount {
                let container = try containerColumn.uvarint32()
                guard Int(container) < containers.count else { throw fail("container index out of range") }
                func reference(base: UInt32? = nil) throws(TandemCRDTError) -> LocalID {
                    let replica = try referenceColumn.uvarint()
                    if replica == 0 { return .none }
                    guard replica <= UInt64(replicas.count) else { throw fail("replica index out of range") }
                    let delta = try counterDeltaColumn.svarint()
                    return LocalID(replica: UInt32(replica - 1), counter: try narrow(Int64(base ?? opCounter), delta))
                }
                let kind: Op.Kind
                switch try kindColumn.byte() {
                case OpTag.insert:
                    let length = try opLengthColumn.uvarint32()
                    guard length > 0 else { throw fail("empty insert") }
                    let left = try reference()
                    let right = try reference(base: left.isNone ? nil : left.counter)
                    let content: UInt32
                    if containers[Int(container)].type == .text {
                        content = UInt32(scalars.count)
                        guard text.count - scalars.count >= Int(length) else { throw fail("text content out of range") }
                        scalars.append(contentsOf: text[scalars.count..<scalars.count + Int(length)])
                    } else {
                        content = UInt32(values.count)
                        for _ in 0..<length { values.append(try Value(reading: &listColumn)) }
                    }
                    kind = .insert(left: left, right: right, content: content, length: length)
                case let tag where tag == OpTag.delete || tag == OpTag.deleteBackward:
                    let length = try opLengthColumn.uvarint32()
                    kind = .delete(target: try reference(), length: length, reversed: tag == OpTag.deleteBackward)
                case OpTag.mapSet:
                    let key = try referenceColumn.uvarint32()
                    let pred = try (0..<referenceColumn.count()).map { _ throws(TandemCRDTError) in try reference() }
                    kind = .mapSet(key: key, value: try Value(reading: &valueColumn), pred: pred)
                case OpTag.mapDelete:
                    let key = try referenceColumn.uvarint32()
                    let pred = try (0..<referenceColumn.count()).map { _ throws(TandemCRDTError) in try reference() }
                    kind = .mapDelete(key: key, pred: pred)
                case OpTag.increment:
                    kind = .increment(Double(bitPattern: try valueColumn.uint64()))
                default:
                    throw fail("unknown op kind")
                }
                let op = Op(counter: opCounter, container: container, kind: kind)
                guard op.length <= record.endCounter - opCounter else { throw fail("ops overrun their change") }
                opCounter += op.length
                ops.append(op)
            }
            guard opCounter == record.endCounter else { throw fail("op lengths disagree with the change length") }
            record.opsCount = UInt32(opsCount)
            records.append(record)
        }
        for column in [replicaColumn, counterColumn, lengthColumn, lamportColumn, depsColumn, timeColumn,
            messageColumn, opCountColumn, containerColumn, kindColumn, opLengthColumn, referenceColumn,
            counterDeltaColumn, valueColumn, listColumn] where !column.isAtEnd
        {
            throw fail("a column has trailing bytes")
        }
        guard scalars.count == text.count else { throw fail("unused text content") }
        try readSeals(from: &reader)
        try validateStructure()
    }

    func writeTables(to output: inout ByteWriter) {
        output.uvarint(replicas.count)
        for replica in replicas {
            output.uint64(replica.high)
            output.uint64(replica.low)
        }
        output.uvarint(containers.count)
        for container in containers { container.write(to: &output) }
        output.uvarint(keys.count)
        keys.forEach { output.string($0) }
        output.uvarint(messages.count)
        messages.forEach { output.string($0) }
    }

    mutating func readTables(from reader: inout ByteReader) throws(TandemCRDTError) {
        let replicaCount = try reader.count(minimumBytes: 16)
        for _ in 0..<replicaCount {
            replicas.append(ReplicaID(high: try reader.uint64(), low: try reader.uint64()))
        }
        guard Set(replicas).count == replicas.count else { throw TandemCRDTError(.malformed, "duplicate replica") }
        let containerCount = try reader.count()
        for _ in 0..<containerCount {
            containers.append(try ContainerID(reading: &reader))
        }
        guard Set(containers).count == containers.count else { throw TandemCRDTError(.malformed, "duplicate container") }
        let keyCount = try reader.count()
        for _ in 0..<keyCount { keys.append(try reader.key()) }
        let messageCount = try reader.count()
        for _ in 0..<messageCount { messages.append(try reader.string()) }
    }
}

/// Op kind tags in the kind column.
enum OpTag {
    static let insert: UInt8 = 0
    static let delete: UInt8 = 1
    static let deleteBackward: UInt8 = 2
    static let mapSet: UInt8 = 3
    static let mapDelete: UInt8 = 4
    static let increment: UInt8 = 5
}

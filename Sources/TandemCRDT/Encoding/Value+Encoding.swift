// The binary encodings of Value and ContainerID, and their decoders.
extension Value {
    /// Tag byte, then the payload (see `Specs/encoding.md`, "Values").
    func write(to output: inout ByteWriter) {
        switch self {
        case .null: output.byte(0)
        case .bool(let flag): output.byte(flag ? 2 : 1)
        case .int(let number):
            output.byte(3)
            output.svarint(number)
        case .double(let number):
            output.byte(4)
            output.uint64(number.bitPattern)
        case .string(let text):
            output.byte(5)
            output.string(text)
        case .bytes(let bytes):
            output.byte(6)
            output.uvarint(bytes.count)
            output.bytes.append(contentsOf: bytes)
        case .container(let type):
            output.byte(7)
            output.byte(type.rawValue)
        }
    }

    init(reading reader: inout ByteReader) throws(TandemCRDTError) {
        switch try reader.byte() {
        case 0: self = .null
        case 1: self = .bool(false)
        case 2: self = .bool(true)
        case 3: self = .int(try reader.svarint())
        case 4: self = .double(Double(bitPattern: try reader.uint64()))
        case 5: self = .string(try reader.string())
        case 6: self = .bytes(Array(try reader.raw(try reader.count())))
        case 7:
            guard let type = ContainerType(rawValue: try reader.byte()) else {
                throw TandemCRDTError(.malformed, "unknown container type")
            }
            self = .container(type)
        default:
            throw TandemCRDTError(.malformed, "unknown value tag")
        }
    }
}

extension ContainerID {
    /// The deepest container nesting a decoder accepts.
    static let maximumDepth = 128

    /// Tag 0 root; 1 keyed: type, key, then the parent inline; 2 element: type, the element's
    /// replica id (16 bytes) and counter. Self-contained, so tables need no ordering.
    func write(to output: inout ByteWriter) {
        switch self {
        case .root:
            output.byte(0)
        case .keyed(let parent, let key, let type):
            output.byte(1)
            output.byte(type.rawValue)
            output.string(key)
            parent.write(to: &output)
        case .element(let id, let type):
            output.byte(2)
            output.byte(type.rawValue)
            output.uint64(id.replica.high)
            output.uint64(id.replica.low)
            output.uvarint(id.counter)
        }
    }

    init(reading reader: inout ByteReader, depth: Int = 0) throws(TandemCRDTError) {
        guard depth < Self.maximumDepth else { throw TandemCRDTError(.malformed, "containers nested too deep") }
        func type() throws(TandemCRDTError) -> ContainerType {
            guard let type = ContainerType(rawValue: try reader.byte()) else {
                throw TandemCRDTError(.malformed, "unknown container type")
            }
            return type
        }
        switch try reader.byte() {
        case 0:
            self = .root
        case 1:
            let childType = try type()
            let key = try reader.key()
            let parent = try ContainerID(reading: &reader, depth: depth + 1)
            guard parent.type == .map else { throw TandemCRDTError(.malformed, "a keyed container's parent must be a map") }
            self = .keyed(parent: parent, key: key, type: childType)
        case 2:
            let childType = try type()
            let replica = ReplicaID(high: try reader.uint64(), low: try reader.uint64())
            self = .element(OpID(replica: replica, counter: try reader.uvarint32()), type: childType)
        default:
            throw TandemCRDTError(.malformed, "unknown container tag")
        }
    }
}

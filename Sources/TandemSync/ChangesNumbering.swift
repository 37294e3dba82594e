import TandemCRDT

/// Numbers one side's outgoing `changes` frames 1, 2, 3, …: the receiver's `ack` names the
/// sequence number of the frame it committed. Both session machines send changes through it.
struct ChangesNumbering: Sendable {
    private var next: UInt64 = 1

    /// The next `changes` frame for `document`, encoded, with its sequence number.
    mutating func frame(document: DocumentID, changeSet: [UInt8], authors: [Author]) -> (sequence: UInt64, frame: [UInt8]) {
        let sequence = next
        next += 1
        return (sequence, FrameCodec.encode(.changes(Changes(document: document, sequence: sequence, changeSet: changeSet, authors: authors))))
    }
}

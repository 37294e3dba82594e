// Hello fixture: a hello with a fixed key and a zero proof, for the session state-machine tests.
import TandemCRDT
import TandemSync
import TandemTestSupport

extension Hello {
    /// A hello for the session state machines, which never check proofs (the relay does): a
    /// fixed key and an all-zero proof.
    init(device: ReplicaID, deviceName: String, token: String) {
        self.init(device: device, deviceName: deviceName, token: token, key: SigningKey(rawBytes: Array(1...32))!.publicKey,
            proof: [UInt8](repeating: 0, count: 64))
    }
}

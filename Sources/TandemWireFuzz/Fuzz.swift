#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TandemWireHarness

/// libFuzzer's entry point. A broken invariant traps, so libFuzzer saves the input as a crasher.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let problems = WireFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    if !problems.isEmpty { fatalError(problems.joined(separator: "\n")) }
    return 0
}

/// libFuzzer's driver (`FuzzerInterface.h`), in `libclang_rt.fuzzer`, which `-sanitize=fuzzer` links.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// The process's `main`: SwiftPM links an executable target with `--defsym main=<module>_main`
/// (so that tests can link it), which keeps libFuzzer's own `main` out; this one runs libFuzzer's
/// driver instead. With `TANDEM_WIRE_FUZZ_SEEDS=<folder>` it writes the seed corpus there and
/// exits (`scripts/fuzz-wire.sh seeds`).
@_cdecl("TandemWireFuzz_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    if let folder = getenv("TANDEM_WIRE_FUZZ_SEEDS").map({ String(cString: $0) }) {
        var written = 0
        for (name, bytes) in WireSeeds.all() {
            let path = folder + "/" + name
            guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
            _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
            written += 1
        }
        print("wrote \(written) seeds to \(folder)")
        return 0
    }
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzz(data, size) }
}

import Foundation

// Built by scripts/fuzz with `-sanitize=fuzzer,address -D FUZZING`: libFuzzer runs the target
// through its driver (this main replaces libFuzzer's own, so SwiftPM's executable entry point and
// libFuzzer's do not clash). In a plain `swift build` it is a replayer: every file named on the
// command line is run through the target once, e.g. to reproduce a crash found by the fuzzer.
#if FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, keyDerivationFuzzerTestOneInput))
#else
    var replayed = 0
    for path in CommandLine.arguments.dropFirst() {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
            exit(2)
        }
        KeyDerivationFuzzer.run(data)
        replayed += 1
    }
    print("replayed \(replayed) input(s) without a crash")
#endif

import N2NWire

/// What a target file provides: one harness behind the libFuzzer entry points below.
protocol FuzzTarget: AnyObject {
    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int)
    func writeSeeds(_ seeds: inout SeedWriter)
}

extension EdgeHarness: FuzzTarget {
    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) { receive(data, size) }
}

extension SupernodeHarness: FuzzTarget {
    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) { receive(data, size) }
}

extension CompressionHarness: FuzzTarget {
    func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) { run(data, size) }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> Int32 {
    if var seeds = SeedWriter.fromEnvironment() {
        fuzzTarget.writeSeeds(&seeds)
        seeds.finish()
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzTarget.fuzz(data, size)
    return 0
}

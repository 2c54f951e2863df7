import N2NWire

// libFuzzer drives a target from one thread only.
nonisolated(unsafe) let fuzzTarget: any FuzzTarget = SupernodeV3EngineHarness()

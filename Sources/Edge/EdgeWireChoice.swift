import LinuxSystem
import N2NWire
import PacketCore

/// The wire version and its keys, from the command line: makes each worker's dialect and the
/// control plane's wire (`--protocol`, chosen once at start-up).
struct EdgeWireChoice: Sendable {
    var wireProtocol: Int
    var community: Community
    /// The name as given (v3 communities have up to 19 bytes).
    var fullCommunityName: String
    var transform: TransformID
    var key: String?
    var compression: CompressionID
    var headerEncryption: Bool

    init(_ config: EdgeConfiguration) {
        wireProtocol = config.wireProtocol
        community = config.community
        fullCommunityName = config.fullCommunityName
        transform = config.transform
        key = config.key
        compression = config.compression
        headerEncryption = config.headerEncryption
    }

    var v3Community: V3Community { V3Community(fullCommunityName) }

    /// One data-plane worker's dialect (its own cipher contexts and scratch).
    func makeDialect(random: any RandomSource, frameCapacity: Int) throws -> any EdgeWireDialect {
        let passphrase = Array((key ?? "").utf8)
        if wireProtocol == 3 {
            let pipeline = V3FramePipeline(community: v3Community,
                                           transform: try transform.makeV3Transform(passphrase: passphrase, random: random),
                                           compression: compression,
                                           headerKeys: headerEncryption ? V3HeaderKeys(community: v3Community) : nil,
                                           random: random, frameCapacity: frameCapacity)
            return EdgeV3Wire(pipeline: pipeline)
        }
        let pipeline = FramePipeline(community: community, transform: try transform.makeTransform(passphrase: passphrase, random: random),
                                     compression: compression, headerEncryption: headerEncryption, random: random,
                                     frameCapacity: frameCapacity)
        return EdgeV2Wire(pipeline: pipeline)
    }

    /// The control plane's wire; a v3 one carries the edge's identity (token, description, address).
    func makeControlWire(_ config: EdgeConfiguration, random: any RandomSource) -> any EdgeControlWire {
        guard wireProtocol == 3 else { return EdgeV2ControlWire(community: community, headerEncryption: headerEncryption) }
        var identity = EdgeV3Identity.random(random)
        identity.description = config.deviceDescription
        if let address = config.tapAddress, address.mode == .static {
            identity.deviceAddress = V3DeviceAddress(address: address.ipv4, prefixLength: UInt8(config.netmask.nonzeroBitCount))
        }
        if let preferred = config.preferredAddress, preferred != 0 {
            identity.preferredSocket = PeerSocket(ipv4: preferred, port: config.localPort)
        }
        return EdgeV3ControlWire(community: v3Community, headerEncryption: headerEncryption, identity: identity,
                                 selection: config.selection)
    }
}

import ProgramSupport

/// Values of the 3.1.1 spellings of the supernode's options.
enum SupernodeV3Values {
    /// `-l`/`-p PORT`. 3.x's `-l HOST:PORT` joins a federation, which we do not do yet.
    static func listenPort(_ text: String) throws(OptionValueError) -> UInt16 {
        if text.contains(":") { throw OptionValueError(federationRefusal("-l HOST:PORT")) }
        return try OptionValues.localPort(text)
    }

    static func federationRefusal(_ option: String) -> String {
        "\(option) is 3.x federation (supernodes joined together), which is not supported yet"
    }
}

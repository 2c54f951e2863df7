// Errno, FileDescriptor, systemCall and the TAP types live in TapDevice (the lowest Swift
// module that needs them); PacketCore users get them without a second import.
@_exported import TapDevice

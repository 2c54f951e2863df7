// Forwarding core (filled in by the PacketCore work).

/// The exact `edge --help` text at 80 columns: any change to an option's name, value name, help
/// or order, or to the usage and discussion, fails the golden test until this file is updated
/// on purpose.
let edgeHelpGolden = #"""
OVERVIEW: n2n edge: joins this host to an n2n community, a layer-2 VPN over
UDP.

A first argument that does not start with '-' names a configuration file: one
option per line (--long=value, --long value, -x=value, -x value, -A3, -z1, or a
flag such as -f); empty lines and lines starting with # are ignored. Options
given after the file override it.

-A and -z take their value attached (-A3, -z1); a bare -A means -A3 and a bare
-z means -z1.

Environment: N2N_KEY is an encryption key as -k (which overrides it) and makes
Twofish the default cipher.

USAGE: edge <config file> [options]
       edge -d <tun device> -a [static:|dhcp:]<tun IP address> -c <community> [-k <encrypt key>]
            [-s <netmask>] [-u <uid> -g <gid>] [-f] [-T <tos>] [-n <cidr:gateway>] [-m <MAC address>]
            -l <supernode host:port> [-p <local port>] [-M <mtu>] [-D] [-r] [-E] [-v]
            [-i <reg_interval>] [-L <reg_ttl>] [-t <mgmt port>] [-A[<cipher>]] [-H] [-z[<compression>]]
            [--pidfile <file>] [--no-offload] [--workers <n>] [--igmp-snooping]
            [--no-mss-clamp] [--max-local-hosts <n>]
            [--management-password <pw>] [--metrics <addr:port>] [-h]

OPTIONS:
  -d, --tun-device <tun device>
                          TAP device name (default edge0).
  -a <mode:address>       TAP interface address; dhcp:0.0.0.0 leaves it to a
                          DHCP client on the TAP (use with -r).
  -c, --community <community>
                          Community name (up to 15 bytes are used).
  -k <encrypt key>        Encryption key (ASCII); also N2N_KEY=<encrypt key>.
  -s <netmask>            TAP netmask, dotted (default 255.255.255.0).
  -l, --supernode-list <supernode host:port>
                          Supernode; may be given twice. IPv6:
                          [2001:db8::1]:7654.
  -i <reg_interval>       Registration interval in seconds, for NAT hole
                          punching (default 20).
  -L <reg_ttl>            TTL of the registration packets sent when hole
                          punching through the supernode (default 0 = not set).
  -p <local port>         Fixed local UDP port (default 0 = any).
  -u, --euid <uid>        Numeric user id to switch to after start-up (default:
                          user n2n, else nobody).
  -g, --egid <gid>        Numeric group id to switch to after start-up.
  -f                      Stay in the foreground instead of becoming a daemon.
  --workers <n>           Data-plane threads, one TAP queue and UDP socket each
                          (default: online CPUs, at most 8; 1 = one thread for
                          everything).
  --no-offload            Exchange plain frames with the TAP and single
                          datagrams with the peers (no checksum and
                          segmentation offloads, no coalescing, no UDP GSO/GRO).
  --pidfile <file>        Write the process id to this file once running
                          (removed on a clean stop when possible).
  -m <MAC address>        TAP MAC address, e.g. 02:01:02:03:04:05 (default:
                          random).
  -M <mtu>                TAP MTU, and the largest IP packet sent into the
                          overlay (default 1290).
  --no-mss-clamp          Leave the MSS of TCP SYNs crossing the edge as it is
                          (default: lower it to fit the MTU, -M).
  --max-local-hosts <n>   Hosts behind a bridged TAP learned and registered at
                          the supernode (default 64; 0: none).
  -D                      Enable PMTU discovery (DF bit); can stall connections
                          where it is not supported.
  -r                      Allow routed traffic through the community (no
                          routing filters).
  -A <cipher>             Payload cipher, attached: -A1 none, -A2 Twofish
                          (default with a key), -A3 or -A AES-CBC, -A4
                          ChaCha20, -A5 Speck-CTR.
  -H                      Encrypt packet headers (the supernode must list the
                          community in its -c file).
  -z <compression>        Compress outgoing packets, attached: -z1 or -z LZO,
                          -z2 zstd.
  -E                      Accept multicast MAC addresses (default: drop).
  --igmp-snooping         Send multicast only to peers whose hosts joined the
                          group (learned from IGMP/MLD; implies -E).
  --igmp-query-interval <seconds>
                          With --igmp-snooping: seconds between general queries
                          (default 125).
  --igmp-membership-timeout <seconds>
                          With --igmp-snooping: seconds a group is kept without
                          a report (default 260).
  -S <level>              Do not connect peer to peer; always go through the
                          supernode (-S or -S1; -S2, TCP to the supernode, is
                          not supported yet).
  --protocol <version>    n2n wire version: 2 (default, n2n 2.x) or 3 (n2n 3.x,
                          with 3.1.1's option meanings).
  -I <description>        --protocol 3: description of this edge shown by the
                          supernode (up to 16 bytes).
  -e <local address>      --protocol 3: local IPv4 address (or 'auto') peers on
                          the same LAN reach us at.
  --select-rtt            --protocol 3: choose the supernode with the shortest
                          round trip.
  --select-mac            --protocol 3: choose the supernode with the lowest
                          MAC address.
  -J <username>           n2n 3.x user name: not supported yet.
  -P <public key>         n2n 3.x federation public key: not supported yet.
  -R <rule>               n2n 3.x traffic filter rules: not supported yet.
  -T <tos>                IP TOS of outgoing packets, e.g. 0x48.
  -n <cidr:gateway>       Route an IPv4 network through the TAP via gateway;
                          0.0.0.0/0 replaces the default route. Repeatable.
  -t <mgmt port>          Management UDP port on 127.0.0.1 (default 5644).
  -v, --verbose           More logging; repeat as required.
  --management-password <pw>
                          Password of the JSON management API's write and
                          subscribe requests (default n2n).
  --metrics <addr:port>   Serve Prometheus metrics at
                          http://<addr:port>/metrics (a bare port means
                          127.0.0.1; off by default).
  -b                      Accepted and ignored (supernodes are re-resolved
                          every round anyway).
  --version               Show the version.
  -h, --help              Show help information.

"""#

/// The exact `supernode --help` text at 80 columns: any change to an option's name, value name, help
/// or order, or to the usage and discussion, fails the golden test until this file is updated
/// on purpose.
let supernodeHelpGolden = #"""
OVERVIEW: n2n supernode: registers edges and relays their traffic.

A first argument that does not start with '-' names a configuration file: one
option per line (--long=value, --long value, -x=value, -x value, or a flag such
as -f); empty lines and lines starting with # are ignored. Options given after
the file override it.

USAGE: supernode <config file> [options]
       supernode -l <local port> [-c <path>] [-f] [--pidfile <file>] [-u <uid> -g <gid>] [-t <mgmt port>] [-v]
                 [--management-password <pw>] [--metrics <addr:port>]
                 [--broadcast-rate <copies>] [--broadcast-burst <copies>]
       supernode -p <local port> [-c <path>] [-a <pool>] [-M] [-V <text>] [-m <mac>]   (3.x spelling)

OPTIONS:
  -l, --local-port <local port>
                          Main UDP port, all interfaces (default 7654); 2.x and
                          3.x edges share it.
  -p <local port>         Same as -l (3.x spelling).
  -a <a.b.c.d-a.b.c.d/len>
                          3.x auto-IP pool: subnets handed to 3.x communities
                          (default 10.128.0.0-10.255.255.0/24).
  -M                      3.x: no MAC/IP spoofing protection (simple-ID tokens
                          not checked).
  -V <text>               3.x: version text sent to edges in PONG/PEER_INFO (up
                          to 19 characters).
  -m <mac>                3.x: the supernode's MAC address (default
                          02:53:4e:00:00:01).
  -F <name>               3.x federation name: refused, federation is not
                          supported yet.
  -c, --communities <path>
                          File of allowed communities, one per line; only these
                          may register (needed for -H edges).
  -f, --foreground        Stay in the foreground instead of becoming a daemon.
  --pidfile <file>        Write the process id to this file once running
                          (removed on a clean stop when possible).
  -u <uid>                Numeric user id to switch to after start-up (default:
                          user n2n, else nobody).
  -g <gid>                Numeric group id to switch to after start-up.
  -t, --mgmt-port <mgmt port>
                          Management UDP port on 127.0.0.1 (default 5645).
  -v, --verbose           More logging; repeat as required.
  --management-password <pw>
                          Password of the JSON management API's write and
                          subscribe requests (default n2n).
  --metrics <addr:port>   Serve Prometheus metrics at
                          http://<addr:port>/metrics (a bare port means
                          127.0.0.1; off by default).
  --broadcast-rate <copies>
                          Broadcast/multicast copies one sending edge may cause
                          per second; 0 = unlimited (default 2000000).
  --broadcast-burst <copies>
                          Copies a sender may cause at once above
                          --broadcast-rate (default 2000000).
  --version               Show the version.
  -h, --help              Show help information.

"""#

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

OPTIONS:
  -l, --local-port <local port>
                          Main UDP port, all interfaces (default 7654).
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

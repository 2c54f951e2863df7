#!/usr/bin/env bash
# The Debian package from scripts/build-deb.sh: contents, control fields, systemd units, man pages,
# sample configurations, bash completion, and installation into throwaway roots. Run as root
# (the sample configurations are tried by starting the programs in a private network namespace).
# Alone: bash Tests/Packaging/deb.sh; normally run by Tests/Packaging/run.sh.
if [ -z "${PACKAGING_LIB:-}" ]; then
    set -uo pipefail
    source "$(dirname "$0")/lib.sh"
    deb_alone=1
fi

version=$("$BIN/edge" --version 2>/dev/null | awk 'NR == 1 { print $2 }')
DEB=${DEB:-$repo/dist/swift-n2n_${version}_${ARCH}.deb}
echo "-- Debian package ${DEB#"$repo"/}"

deb_tests() {
    if [ -z "$version" ] || [ ! -f "$DEB" ]; then
        fail "the package dist/swift-n2n_<version of $BIN/edge>_${ARCH}.deb exists (run scripts/build-deb.sh)"
        return
    fi
    pass "the package is named after the programs' version: $(basename "$DEB")"

    # build-deb.sh refuses binaries that would need the toolchain on the target host.
    control=$TOOLCHAIN/usr/bin/swift-plugin-server
    if [ -x "$control" ] && swift_libs "$control" >/dev/null; then
        mkdir -p "$work/dynamic"
        cp "$control" "$work/dynamic/edge"
        cp "$control" "$work/dynamic/supernode"
        if BIN=$work/dynamic bash "$repo/scripts/build-deb.sh" >"$work/refuse.out" 2>&1; then
            fail "build-deb.sh refuses a binary that loads the Swift runtime dynamically" "$work/refuse.out"
        elif grep -q 'loads the Swift runtime dynamically' "$work/refuse.out"; then
            pass "build-deb.sh refuses a binary that loads the Swift runtime dynamically"
        else
            fail "build-deb.sh refuses a binary that loads the Swift runtime dynamically (and says why)" "$work/refuse.out"
        fi
    fi
    check "the version is the sources' N2NVersion.string (${SOURCE_VERSION:-not found})" test "$version" = "$SOURCE_VERSION"

    # ---- contents
    dpkg-deb -c "$DEB" >"$work/contents" || { fail "dpkg-deb -c reads the package"; return; }
    awk '$1 !~ /^d/ { print $6 }' "$work/contents" | sort >"$work/files"
    sort >"$work/expected" <<'EOF'
./etc/n2n/community.list.sample
./etc/n2n/edge.conf.sample
./etc/n2n/supernode.conf.sample
./lib/systemd/system/edge.service
./lib/systemd/system/edge@.service
./lib/systemd/system/supernode.service
./usr/bin/n2n-keygen
./usr/sbin/edge
./usr/sbin/supernode
./usr/share/bash-completion/completions/edge
./usr/share/bash-completion/completions/supernode
./usr/share/doc/swift-n2n/README.md.gz
./usr/share/doc/swift-n2n/flags.md.gz
./usr/share/doc/swift-n2n/install.md.gz
./usr/share/doc/swift-n2n/management.md.gz
./usr/share/doc/swift-n2n/running.md.gz
./usr/share/doc/swift-n2n/troubleshooting.md.gz
./usr/share/man/man1/n2n-keygen.1.gz
./usr/share/man/man1/supernode.1.gz
./usr/share/man/man8/edge.8.gz
EOF
    comm -23 "$work/expected" "$work/files" >"$work/missing"
    comm -13 "$work/expected" "$work/files" >"$work/extra"
    if [ -s "$work/missing" ]; then fail "dpkg-deb -c lists every expected file" "$work/missing"; else pass "dpkg-deb -c lists every expected file ($(wc -l <"$work/expected"))"; fi
    if [ -s "$work/extra" ]; then fail "the package holds no other file" "$work/extra"; else pass "the package holds no other file"; fi
    awk '$2 != "root/root" || ($1 ~ /^d/ ? $1 != "drwxr-xr-x" : ($6 ~ /^\.\/usr\/s?bin\// ? $1 != "-rwxr-xr-x" : $1 != "-rw-r--r--"))' \
        "$work/contents" >"$work/modes"
    if [ -s "$work/modes" ]; then fail "owners root/root; programs 0755, other files 0644, folders 0755" "$work/modes"
    else pass "owners root/root; programs 0755, other files 0644, folders 0755"; fi

    # ---- control fields
    field() { dpkg-deb -f "$DEB" "$1"; }
    check "control: Package swift-n2n" test "$(field Package)" = swift-n2n
    check "control: Version $version" test "$(field Version)" = "$version"
    check "control: Architecture $ARCH" test "$(field Architecture)" = "$ARCH"
    check "control: Maintainer, Section, Priority, Description present" \
        test -n "$(field Maintainer)" -a -n "$(field Section)" -a -n "$(field Priority)" -a -n "$(field Description)"
    check "control: Conflicts with the stock n2n package (same paths)" grep -qw n2n <<<"$(field Conflicts)"
    check "control: Installed-Size is a size in KiB" grep -Eq '^[1-9][0-9]*$' <<<"$(field Installed-Size)"

    rm -rf "$work/root"
    mkdir -p "$work/root"
    dpkg -x "$DEB" "$work/root" || { fail "dpkg -x unpacks the package"; return; }
    r=$work/root

    # Depends: exactly the packages that own the libraries the installed programs load.
    depends=$(field Depends)
    for lib in $(ldd "$r/usr/sbin/edge" "$r/usr/sbin/supernode" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
        real=$(readlink -f "$lib")
        { dpkg -S "$real" || dpkg -S "$lib" || dpkg -S "${real#/usr}" || dpkg -S "/usr$real"; } 2>/dev/null |
            head -n1 | cut -d: -f1
    done | sort -u >"$work/lib-packages"
    tr ',' '\n' <<<"$depends" | sed -E 's/^ *//; s/[ (].*//' | grep . | sort -u >"$work/depends"
    if [ -s "$work/lib-packages" ] && cmp -s "$work/lib-packages" "$work/depends"; then
        pass "control: Depends names exactly the libraries' packages: $depends"
    else
        { echo "Depends: $depends"; echo "owners of the linked libraries:"; cat "$work/lib-packages"; } >"$work/dep.out"
        fail "control: Depends names exactly the libraries' packages" "$work/dep.out"
    fi
    unsatisfied=""
    while IFS= read -r dep; do
        name=${dep%% *}
        have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null) || { unsatisfied+="$dep (not installed); "; continue; }
        if [[ $dep =~ \(\>=\ ([^\)]+)\) ]] && ! dpkg --compare-versions "$have" ge "${BASH_REMATCH[1]}"; then
            unsatisfied+="$dep (have $have); "
        fi
    done < <(tr ',' '\n' <<<"$depends" | sed 's/^ *//')
    check "control: this Debian host satisfies Depends${unsatisfied:+ (not: $unsatisfied)}" test -z "$unsatisfied"

    # conffiles: every file shipped under /etc.
    dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles 2>/dev/null | sort >"$work/conffiles"
    (cd "$r" && find etc -type f | sed 's|^|/|' | sort) >"$work/etc-files"
    if [ -s "$work/etc-files" ] && cmp -s "$work/conffiles" "$work/etc-files"; then
        pass "conffiles lists every file under /etc ($(paste -sd' ' "$work/conffiles"))"
    else
        { echo "conffiles:"; cat "$work/conffiles"; echo "files under /etc:"; cat "$work/etc-files"; } >"$work/cf.out"
        fail "conffiles lists every file under /etc" "$work/cf.out"
    fi
    mkdir -p "$work/control"
    dpkg-deb -e "$DEB" "$work/control"
    for script in postinst prerm postrm; do
        check "$script: valid sh" sh -n "$work/control/$script"
    done
    check "maintainer scripts enable and start nothing" \
        bash -c '! grep -hv "^ *#" "$1"/postinst "$1"/prerm "$1"/postrm | grep -E "enable|(systemctl|deb-systemd-invoke|invoke-rc.d) +(--[a-z-]+ +)*start"' _ "$work/control"

    # ---- the installed programs
    check "installed n2n-keygen prints the stock tool's user line" \
        bash -c '[ "$("$1" logan 007)" = "* logan nHWum+r42k1qDXdIeH-WFKeylK5UyLStRzxofRNAgpG" ]' _ "$r/usr/bin/n2n-keygen"
    check "installed n2n-keygen without arguments prints its usage and exits 1" \
        bash -c '"$1" 2>&1 | grep -q "usage"; "$1" >/dev/null 2>&1; [ $? = 1 ]' _ "$r/usr/bin/n2n-keygen"
    for program in edge supernode; do
        check "installed $program is stripped (no .symtab)" \
            bash -c '! readelf -S "$1" | grep -q "\.symtab"' _ "$r/usr/sbin/$program"
        check "installed $program --version exits 0 and prints $version" \
            bash -c 'out=$("$1" --version) && grep -q "^$2 $3 " <<<"$out"' _ "$r/usr/sbin/$program" "$program" "$version"
        check "installed $program --version with the toolchain hidden" \
            bash -c 'source "$1"; out=$(hidden "$2" --version) && grep -q "^$3 $4 " <<<"$out"' \
            _ "$here/lib.sh" "$r/usr/sbin/$program" "$program" "$version"
        if swift_libs "$r/usr/sbin/$program" >"$work/libs.out"; then
            fail "installed $program loads no Swift library" "$work/libs.out"
        else
            pass "installed $program loads no Swift library"
        fi
    done

    unit_tests
    man_tests
    config_tests
    completion_tests
    dpkg_root_tests
}

# ---- systemd units
unit_tests() {
    local u=$r/lib/systemd/system
    # systemd-analyze verify wants the ExecStart programs to exist and checks Documentation=man:
    # pages with man: verify copies whose ExecStart points into the unpacked tree, with MANPATH
    # there too. (--root=DIR does not help: the units then cannot find sysinit.target & co.)
    mkdir -p "$work/units"
    for unit in edge.service edge@.service supernode.service; do
        sed "s|=/usr/sbin/|=$r/usr/sbin/|" "$u/$unit" >"$work/units/$unit"
    done
    verify() {  # verify UNIT...: exit 0 and not a word of complaint
        MANPATH="$r/usr/share/man:" systemd-analyze verify "$@" >"$work/verify.out" 2>&1 && [ ! -s "$work/verify.out" ]
    }
    for unit in edge.service edge@office.service supernode.service; do
        if verify "$work/units/$unit"; then pass "systemd-analyze verify $unit"
        else fail "systemd-analyze verify $unit" "$work/verify.out"; fi
    done
    # The control: verify must notice a bad value and a missing program.
    sed 's/^ProtectSystem=strict/ProtectSystem=bogus/' "$work/units/supernode.service" >"$work/units/bad-value.service"
    sed "s|=$r/usr/sbin/supernode|=$r/usr/sbin/no-such-program|" "$work/units/supernode.service" >"$work/units/bad-exec.service"
    check "control: systemd-analyze verify rejects a bad value" fails verify "$work/units/bad-value.service"
    check "control: systemd-analyze verify rejects a missing program" fails verify "$work/units/bad-exec.service"

    has() { grep -qx -- "$2" "$u/$1"; }
    check "edge.service runs /usr/sbin/edge /etc/n2n/edge.conf -f" has edge.service 'ExecStart=/usr/sbin/edge /etc/n2n/edge.conf -f'
    check "edge@.service runs /usr/sbin/edge /etc/n2n/edge-%i.conf -f" has edge@.service 'ExecStart=/usr/sbin/edge /etc/n2n/edge-%i.conf -f'
    check "supernode.service runs /usr/sbin/supernode /etc/n2n/supernode.conf -f" has supernode.service 'ExecStart=/usr/sbin/supernode /etc/n2n/supernode.conf -f'
    for unit in edge.service edge@.service supernode.service; do
        local missing=""
        for line in Type=exec Restart=on-failure RestartPreventExitStatus=2 NoNewPrivileges=yes ProtectSystem=strict \
            ProtectHome=yes PrivateTmp=yes WantedBy=multi-user.target; do
            has "$unit" "$line" || missing+="$line "
        done
        check "$unit: Type=exec (no sd_notify), Restart=on-failure but not after exit 2, hardened ${missing:+(missing: $missing)}" test -z "$missing"
    done
    check "edge units keep CAP_NET_ADMIN (TAP) and may open only /dev/net/tun among devices" \
        bash -c 'for f in "$1/edge.service" "$1/edge@.service"; do grep -q "^CapabilityBoundingSet=.*CAP_NET_ADMIN" "$f" && grep -qx "DeviceAllow=/dev/net/tun rw" "$f" && grep -qx "DevicePolicy=closed" "$f" || exit 1; done' _ "$u"
    check "supernode.service has no CAP_NET_ADMIN and no devices" \
        bash -c '! grep -q "CAP_NET_ADMIN" "$1" && grep -qx "PrivateDevices=yes" "$1"' _ "$u/supernode.service"
    for unit in edge.service supernode.service; do
        score=$(systemd-analyze security --offline=yes "$work/units/$unit" 2>/dev/null |
            sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
        check "systemd-analyze security: $unit exposure ${score:-?} (at most 4.0; 9.6 unhardened)" \
            awk -v s="${score:-99}" 'BEGIN { exit !(s + 0 <= 4.0) }'
    done
}

# ---- man pages
man_tests() {
    local page name section
    for page in "$r/usr/share/man/man8/edge.8.gz" "$r/usr/share/man/man1/supernode.1.gz"; do
        name=$(basename "$page" .gz)
        program=${name%.*}
        zcat "$page" >"$work/$name"
        check "$name: groff -man -ww -z gives no warning" \
            bash -c 'out=$(groff -man -ww -z "$1" 2>&1) && [ -z "$out" ] || { echo "$out"; exit 1; }' _ "$work/$name"
        if MANWIDTH=80 man -l -Tutf8 "$page" >/dev/null 2>"$work/man.err" && [ ! -s "$work/man.err" ]; then
            pass "$name: man -l -Tutf8 renders it without a warning"
        else
            fail "$name: man -l -Tutf8 renders it without a warning" "$work/man.err"
        fi
        MANWIDTH=80 man -l "$page" 2>/dev/null | tr '\n' ' ' | tr -s ' ' >"$work/$name.txt"
        missing=""
        for section in NAME SYNOPSIS DESCRIPTION OPTIONS "CONFIGURATION FILE" MANAGEMENT "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
            grep -q " $section " "$work/$name.txt" || missing+="'$section' "
        done
        check "$name: has the sections NAME ... CONFIGURATION FILE, MANAGEMENT, EXIT STATUS, FILES, EXAMPLES ${missing:+(missing $missing)}" test -z "$missing"
        # Every option the program's --help lists, plus --pidfile.
        "$r/usr/sbin/$program" --help 2>/dev/null | help_options >"$work/$program.options"
        missing=""
        while read -r option; do
            grep -Eq -- "(^|[^A-Za-z0-9-])$option([^A-Za-z0-9-]|$)" "$work/$name.txt" || missing+="$option "
        done < <(cat "$work/$program.options"; echo --pidfile)
        check "$name: documents every option of '$program --help' ($(wc -l <"$work/$program.options")) and --pidfile ${missing:+(missing $missing)}" \
            test -z "$missing" -a -s "$work/$program.options"
        check "$name: exit statuses 0, 1 and 2" \
            bash -c 'sed -n "/ EXIT STATUS /,/ ENVIRONMENT \| FILES /p" "$1" | grep -q " 0 .* 1 .* 2 "' _ "$work/$name.txt"
    done
    # n2n-keygen's page: clean, with the sections a tool without configuration has.
    zcat "$r/usr/share/man/man1/n2n-keygen.1.gz" >"$work/n2n-keygen.1"
    check "n2n-keygen.1: groff -man -ww -z gives no warning" \
        bash -c 'out=$(groff -man -ww -z "$1" 2>&1) && [ -z "$out" ] || { echo "$out"; exit 1; }' _ "$work/n2n-keygen.1"
    check "n2n-keygen.1: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES" \
        bash -c 't=$(MANWIDTH=80 man -l "$1" 2>/dev/null | tr "\n" " " | tr -s " ")
                 for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES; do grep -q " $s " <<<"$t" || exit 1; done' \
        _ "$r/usr/share/man/man1/n2n-keygen.1.gz"
    # The control: a page with an unknown macro and a broken escape does not pass.
    printf '.TH X 1\n.SH NAME\nx \\- y\n.BX z\n\\*[nosuchstring]\n' >"$work/broken.1"
    check "control: groff -ww -z complains about a broken page" \
        bash -c 'out=$(groff -man -ww -z "$1" 2>&1); [ -n "$out" ]' _ "$work/broken.1"
}

# help_options: the option names in a swift-argument-parser help text, one per line.
help_options() {
    sed -n '/^OPTIONS:/,$p' | grep -E '^  -' | sed -E 's/<[^>]*>//g; s/^ +//; s/ {2,}.*//' | tr ',' '\n' |
        tr -d ' ' | grep -E '^--?[A-Za-z]' | sort -u
}

# ---- sample configurations, read by the installed programs' own parser
# try_config LOG READY PROGRAM CONFIG: starts PROGRAM CONFIG -f in a private network namespace
# (loopback up) until READY appears in its log (at most 15 s), then SIGTERM. The configuration is
# good when READY appeared, no message names the file (every configuration-file warning and
# error starts with FILE:LINE), no usage text was printed, and SIGTERM stopped it with status 0.
try_config() {
    local log=$1 ready=$2 program=$3 config=$4 pid i status
    : >"$log"
    unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$program" "$config" -f >"$log" 2>&1 &
    pid=$!
    for ((i = 0; i < 150; i++)); do
        grep -Eq "$ready" "$log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    status=$?
    echo "(exit status $status)" >>"$log"
    grep -Eq "$ready" "$log" && ! grep -qF "$config:" "$log" && ! grep -q 'USAGE:' "$log" && [ "$status" -eq 0 ]
}

config_tests() {
    local e=$r/etc/n2n edge=$r/usr/sbin/edge sn=$r/usr/sbin/supernode
    local edge_ready='edge started: community mycluster, .*supernodes sn.example.internal:1200'
    local sn_ready='started: UDP port 7654, management 127.0.0.1:5645'
    if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
        fail "sample configurations: need root and /dev/net/tun"
        return
    fi
    cp "$e/edge.conf.sample" "$work/edge.conf"
    if try_config "$work/edge.log" "$edge_ready" "$edge" "$work/edge.conf"; then
        pass "edge.conf.sample: the edge reads it without a warning and starts (community, supernode as in the file)"
    else fail "edge.conf.sample: the edge reads it without a warning and starts" "$work/edge.log"; fi

    # With every optional "#-" line enabled.
    sed 's/^#-/-/' "$e/edge.conf.sample" >"$work/edge-all.conf"
    if grep -q '^-H' "$work/edge-all.conf" && try_config "$work/edge-all.log" "edge started: community mycluster, .*supernodes sn.example.internal:1200, sn2" "$edge" "$work/edge-all.conf"; then
        pass "edge.conf.sample with every optional line enabled: read without a warning, starts"
    else fail "edge.conf.sample with every optional line enabled: read without a warning, starts" "$work/edge-all.log"; fi

    cp "$e/supernode.conf.sample" "$work/supernode.conf"
    if try_config "$work/sn.log" "$sn_ready" "$sn" "$work/supernode.conf"; then
        pass "supernode.conf.sample: the supernode reads it without a warning and starts (ports as in the file)"
    else fail "supernode.conf.sample: the supernode reads it without a warning and starts" "$work/sn.log"; fi

    cp "$e/community.list.sample" "$work/community.list"
    sed -e 's/^#-/-/' -e "s|/etc/n2n/community.list|$work/community.list|" "$e/supernode.conf.sample" >"$work/supernode-all.conf"
    if try_config "$work/sn-all.log" "$sn_ready" "$sn" "$work/supernode-all.conf" &&
        grep -q "communities 1 allowed from $work/community.list" "$work/sn-all.log"; then
        pass "supernode.conf.sample with every optional line enabled, and community.list.sample: read, 1 community"
    else fail "supernode.conf.sample with every optional line enabled, and community.list.sample" "$work/sn-all.log"; fi

    # The controls: what a bad file looks like to this check.
    { cat "$e/edge.conf.sample"; echo "-M=99999"; } >"$work/bad-value.conf"
    check "control: an edge configuration with -M=99999 is refused" \
        fails try_config "$work/bad1.log" "$edge_ready" "$edge" "$work/bad-value.conf"
    { cat "$e/edge.conf.sample"; echo "--no-such-option=1"; } >"$work/bad-option.conf"
    check "control: an edge configuration with an unknown option is flagged (warning names the file)" \
        fails try_config "$work/bad2.log" "$edge_ready" "$edge" "$work/bad-option.conf"
    { cat "$e/supernode.conf.sample"; echo "-l=port"; } >"$work/bad-sn.conf"
    check "control: a supernode configuration with -l=port is refused" \
        fails try_config "$work/bad3.log" "$sn_ready" "$sn" "$work/bad-sn.conf"
}

# ---- bash completion
# complete_words FILE WORD...: the completions the FILE's function offers for the last WORD.
complete_words() {
    bash -c '
        file=$1; shift
        source "$file"
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        func=$(complete -p "$1" | sed -E "s/.*-F ([^ ]+).*/\1/")
        "$func" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"' complete "$@"
}

completion_tests() {
    local c=$r/usr/share/bash-completion/completions program missing
    for program in edge supernode; do
        check "bash completion for $program: valid bash, registers a function for $program" \
            bash -c 'source "$1" && complete -p "$2" | grep -q -- "-F"' _ "$c/$program" "$program"
        complete_words "$c/$program" "$program" - >"$work/offered" 2>&1
        missing=$(comm -23 "$work/$program.options" <(sort -u "$work/offered") | paste -sd' ')
        check "bash completion offers every option of '$program --help' ${missing:+(missing $missing)}" \
            test -z "$missing" -a -s "$work/$program.options"
    done
    check "bash completion: edge --comm<TAB> gives --community" \
        test "$(complete_words "$c/edge" edge --comm)" = --community
    check "bash completion: edge -A<TAB> gives -A1 ... -A5" \
        test "$(complete_words "$c/edge" edge -A | paste -sd' ')" = "-A1 -A2 -A3 -A4 -A5"
    check "bash completion: edge <TAB> completes a configuration file name" \
        grep -qx "$r/etc/n2n/edge.conf.sample" <<<"$(complete_words "$c/edge" edge "$r/etc/n2n/edge.c")"
    check "bash completion: supernode -c <TAB> completes a file name" \
        grep -qx "$r/etc/n2n/community.list.sample" <<<"$(complete_words "$c/supernode" supernode -c "$r/etc/n2n/comm")"
}

# ---- installation with dpkg into a throwaway root (maintainer scripts run with DPKG_ROOT set)
dpkg_root_tests() {
    local t=$work/dpkg-root
    mkdir -p "$t/var/lib/dpkg/info" "$t/var/lib/dpkg/updates" "$t/var/lib/dpkg/triggers"
    touch "$t/var/lib/dpkg/status" "$t/var/lib/dpkg/available"
    local d=(dpkg --root="$t" --force-script-chrootless --log=/dev/null)
    # --force-depends: the throwaway root has no libc6 & co.
    check "dpkg --root: installs (maintainer scripts run)" "${d[@]}" --force-depends -i "$DEB"
    check "dpkg --root: status 'install ok installed'" \
        test "$(dpkg-query --root="$t" -W -f='${Status}' swift-n2n 2>/dev/null)" = "install ok installed"
    check "dpkg --root: installed edge runs (--version)" "$t/usr/sbin/edge" --version
    check "dpkg --root: the units are installed and not enabled" \
        bash -c 'test -f "$1/lib/systemd/system/edge@.service" && ! find "$1/etc" -name "*.service" | grep -q .' _ "$t"
    # A link as "systemctl enable edge@office" makes: purge removes it, and /etc/n2n.
    mkdir -p "$t/etc/systemd/system/multi-user.target.wants"
    ln -s /lib/systemd/system/edge@.service "$t/etc/systemd/system/multi-user.target.wants/edge@office.service"
    check "dpkg --root: purges" "${d[@]}" -P swift-n2n
    check "dpkg --root: after purge no program, unit, enable link or /etc/n2n is left" \
        bash -c '! test -e "$1/usr/sbin/edge" -o -e "$1/lib/systemd/system/edge.service" -o -e "$1/etc/n2n" -o -L "$1/etc/systemd/system/multi-user.target.wants/edge@office.service"' _ "$t"
}

deb_tests

if [ -n "${deb_alone:-}" ]; then summary; fi

#!/usr/bin/env bash
# Builds the Debian package dist/swift-n2n_<version>_<arch>.deb from the release binaries, which
# must have the Swift runtime linked in statically (scripts/bootstrap.sh builds them so; this
# script runs the same build first, which is a no-op when they are up to date).
#
#   bash scripts/build-deb.sh            build (if needed) and package
#   BIN=/some/dir bash scripts/build-deb.sh   package the edge and supernode found in /some/dir
#
# Needs dpkg-deb, strip (binutils), gzip; dpkg-shlibdeps (dpkg-dev) for versioned Depends, else
# the dependencies are found with ldd and dpkg -S. No network. Prints the package's path.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022
repo=$PWD
package=swift-n2n
maintainer=${DEB_MAINTAINER:-"swift-n2n developers <swift-n2n@example.invalid>"}

if [ -z "${BIN:-}" ]; then
    swift build -c release --static-swift-stdlib --product edge >&2
    swift build -c release --static-swift-stdlib --product supernode >&2
    swift build -c release --static-swift-stdlib --product n2n-keygen >&2
    BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
fi
for program in edge supernode n2n-keygen; do
    [ -x "$BIN/$program" ] || { echo "build-deb: no $BIN/$program" >&2; exit 1; }
    # A binary that loads the Swift runtime from the toolchain does not run on the target hosts.
    # (ldd's output is read whole first: with pipefail, grep -q closing the pipe early would make
    # the test fail on ldd's SIGPIPE instead of on a match.)
    libraries=$(ldd "$BIN/$program" 2>&1 || true)
    if grep -Eq 'libswift|libFoundation|libdispatch|libBlocksRuntime' <<<"$libraries"; then
        echo "build-deb: $BIN/$program loads the Swift runtime dynamically:" >&2
        grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime' <<<"$libraries" >&2
        echo "build-deb: build it with: swift build -c release --static-swift-stdlib" >&2
        exit 1
    fi
done

# The version is the one the programs print (Sources/N2NWire/Version.swift): "edge 0.1.0 - ...".
version=$("$BIN/edge" --version | awk 'NR == 1 { print $2 }')
sn_version=$("$BIN/supernode" --version | awk 'NR == 1 { print $2 }')
if ! [[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || [ "$version" != "$sn_version" ]; then
    echo "build-deb: bad or differing versions: edge '$version', supernode '$sn_version'" >&2
    exit 1
fi
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# debian/<package>/ is the layout dpkg-shlibdeps expects for the tree being packaged.
mkdir -p "$work/debian"
root=$work/debian/$package
p=$repo/packaging

install -d -m 0755 "$root/DEBIAN" "$root/usr/sbin" "$root/usr/bin" "$root/lib/systemd/system" \
    "$root/usr/share/man/man8" "$root/usr/share/man/man1" "$root/etc/n2n" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/doc/$package"

for program in edge supernode; do
    install -m 0755 "$BIN/$program" "$root/usr/sbin/$program"
    strip --strip-all --remove-section=.comment "$root/usr/sbin/$program"
done
# n2n-keygen is a user's tool (no privileges needed), in /usr/bin as the stock package has it.
install -m 0755 "$BIN/n2n-keygen" "$root/usr/bin/n2n-keygen"
strip --strip-all --remove-section=.comment "$root/usr/bin/n2n-keygen"
install -m 0644 "$p/systemd/edge.service" "$p/systemd/edge@.service" "$p/systemd/supernode.service" \
    "$root/lib/systemd/system/"
sed "s/@VERSION@/$version/g" "$p/man/edge.8" | gzip -9n > "$root/usr/share/man/man8/edge.8.gz"
sed "s/@VERSION@/$version/g" "$p/man/supernode.1" | gzip -9n > "$root/usr/share/man/man1/supernode.1.gz"
sed "s/@VERSION@/$version/g" "$p/man/n2n-keygen.1" | gzip -9n > "$root/usr/share/man/man1/n2n-keygen.1.gz"
install -m 0644 "$p/etc/edge.conf.sample" "$p/etc/supernode.conf.sample" "$p/etc/community.list.sample" \
    "$root/etc/n2n/"
install -m 0644 "$p/bash-completion/edge" "$p/bash-completion/supernode" \
    "$root/usr/share/bash-completion/completions/"
for doc in README.md docs/install.md docs/running.md docs/flags.md docs/management.md docs/troubleshooting.md; do
    gzip -9n < "$repo/$doc" > "$root/usr/share/doc/$package/$(basename "$doc").gz"
done
chmod 0644 "$root"/usr/share/man/man*/*.gz "$root/usr/share/doc/$package"/*

install -m 0644 "$p/debian/conffiles" "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    install -m 0755 "$p/debian/$script" "$root/DEBIAN/$script"
done

# Depends: the Debian packages of the shared libraries the programs load.
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
    printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$package" "$package" > "$work/debian/control"
    depends=$(cd "$work" && dpkg-shlibdeps -O "debian/$package/usr/sbin/edge" "debian/$package/usr/sbin/supernode" "debian/$package/usr/bin/n2n-keygen" \
        2>/dev/null | sed -n 's/^shlibs:Depends=//p')
else
    # Unversioned, from the package that owns each library (the /lib and /usr/lib spellings
    # both occur with merged /usr).
    depends=$(for lib in $(ldd "$root/usr/sbin/edge" "$root/usr/sbin/supernode" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
        real=$(readlink -f "$lib")
        { dpkg -S "$real" || dpkg -S "$lib" || dpkg -S "${real#/usr}" || dpkg -S "/usr$real"; } 2>/dev/null | head -n1 | cut -d: -f1
    done | sort -u | paste -sd, | sed 's/,/, /g')
fi
[ -n "$depends" ] || { echo "build-deb: could not work out the library dependencies" >&2; exit 1; }

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" \
    -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s|@MAINTAINER@|$maintainer|" \
    "$p/debian/control.in" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
    > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

mkdir -p dist
out=dist/${package}_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"

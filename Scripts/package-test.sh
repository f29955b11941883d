#!/bin/bash
# make package-test: installs laba_<version>_<arch>.deb on a bare Debian 12 (debootstrap, minbase:
# no Swift, no checkout) with apt, then checks the installed system in a chroot: versions, the
# configuration, the unit, one broadcast into a WAV capture and its record, the enable links, an
# upgrade that keeps the record and the operator's edit, remove (configuration and record stay)
# and purge (both gone). Needs root (debootstrap, chroot, mounts).
#
# The bare system is made once from this machine's apt mirror for bookworm (MIRROR= overrides) and
# cached in .build/package-test/ with the downloaded packages, so that reruns take a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "package-test: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
ARCH=$(dpkg --print-architecture)
VERSION=${VERSION:-$(sed -n 's/.*static let release = "\(.*\)"/\1/p' Sources/LabaControl/Protocol.swift)}
DEB=${DEB:-laba_${VERSION}_${ARCH}.deb}
[ -f "$DEB" ] || { echo "package-test: no $DEB (make deb builds it)" >&2; exit 1; }
DIR=.build/package-test
CACHE=$DIR/bookworm-minbase-$ARCH.tar
ROOT=$DIR/root
started=$(date +%s)
mkdir -p "$DIR/archives/partial"

passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; failed=$((failed + 1)); }
# check DESCRIPTION COMMAND...: one line per check; the command's output is shown when it fails.
# The command runs in this shell (not a subshell), so that start_labad's process stays ours.
check() {
    local what=$1
    shift
    if "$@" > "$DIR/check.out" 2>&1; then ok "$what"; else fail "$what"; sed 's/^/    /' "$DIR/check.out" | tail -n 20; fi
}
# Runs a command inside the bare system, with a clean environment.
in_root() {
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root \
        DEBIAN_FRONTEND=noninteractive "$@"
}

mounted=()
cleanup() {
    [ -z "${labad_pid:-}" ] || kill "$labad_pid" 2>/dev/null || true
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"; done
}
trap cleanup EXIT
mount_in_root() { mount "$@"; mounted+=("${!#}"); }

# --- The bare Debian 12, made once -----------------------------------------------------------------
if [ ! -f "$CACHE" ]; then
    MIRROR=${MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' |
                       awk '$2 == "bookworm" { print $1; exit }')}
    [ -n "$MIRROR" ] || { echo "package-test: no bookworm mirror in this machine's apt sources; set MIRROR=" >&2; exit 1; }
    echo "package-test: debootstrap bookworm (minbase) from $MIRROR, cached in $CACHE"
    rm -rf "$DIR/bootstrap"
    debootstrap --variant=minbase --arch="$ARCH" --cache-dir="$(pwd)/$DIR/archives" bookworm "$DIR/bootstrap" "$MIRROR" \
        > "$DIR/debootstrap.log" 2>&1 || { tail -n 20 "$DIR/debootstrap.log" >&2; exit 1; }
    # The mirror may be a dated snapshot: apt in the bare system follows this machine's settings.
    apt-config dump | grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date) ' \
        > "$DIR/bootstrap/etc/apt/apt.conf.d/99package-test" || true
    cp /etc/resolv.conf "$DIR/bootstrap/etc/resolv.conf"
    chroot "$DIR/bootstrap" apt-get update -qq
    tar -C "$DIR/bootstrap" -cf "$CACHE.tmp" . && mv "$CACHE.tmp" "$CACHE"
    rm -rf "$DIR/bootstrap"
fi

rm -rf "$ROOT"
mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$CACHE"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mount_in_root -t proc proc "$ROOT/proc"
mount_in_root --bind "$DIR/archives" "$ROOT/var/cache/apt/archives"
# The previous release: the same files under a lower version, for the upgrade.
PREVIOUS=laba_${VERSION}~prev_${ARCH}.deb
rm -rf "$DIR/previous"
dpkg-deb -R "$DEB" "$DIR/previous"
sed -i "s/^Version: .*/Version: ${VERSION}~prev/" "$DIR/previous/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz --build "$DIR/previous" "$ROOT/tmp/$PREVIOUS" > /dev/null
cp "$DEB" "$ROOT/tmp/"
echo "package-test: $DEB ($(dpkg-deb -f "$DEB" Installed-Size) KiB installed) on Debian $(cat "$ROOT/etc/debian_version"), upgraded from ${VERSION}~prev"

# --- Install the previous release ----------------------------------------------------------------
no_swift() { ! in_root sh -c 'command -v swift swiftc' && [ -z "$(find "$ROOT" -xdev -name 'libswift*' -print -quit)" ]; }
links_no_swift() { local out; out=$(in_root ldd "/usr/bin/$1") && echo "$out" && ! grep -Eq 'libswift|not found' <<< "$out"; }
prints_version() {
    local out; out=$(in_root "$1" --version) && echo "$out" &&
        grep -Eq "^${VERSION//./\\.} \\(commit [0-9a-f]{7,}(-dirty)?\\)\$" <<< "$out"
}
# One executable (issue 32): /usr/bin/laba is the package's only ELF, /usr/bin/labad a link to it.
one_executable() {
    local elves=0 file
    for file in $(in_root dpkg -L laba); do
        [ -f "$ROOT$file" ] && [ ! -L "$ROOT$file" ] && [ "$(head -c 4 "$ROOT$file" | tail -c 3)" = ELF ] && { echo "ELF: $file"; elves=$((elves + 1)); }
    done
    echo "labad -> $(readlink "$ROOT/usr/bin/labad")"
    [ "$elves" = 1 ] && [ "$(readlink "$ROOT/usr/bin/labad")" = laba ]
}
# The libraries laba loads on first use (Sources/CLazyLibraries/lazy.c) are not NEEDED by the binary:
# Depends names their packages, and the installed system finds them by soname, as dlopen will.
lazy_libraries_found() {
    local soname found=0
    for soname in $(sed -n 's|^// LAZY_SONAMES: ||p' Sources/CLazyLibraries/lazy.c); do
        in_root /sbin/ldconfig -p | grep -F "$soname " || { echo "not found: $soname"; found=1; }
    done
    return $found
}
installed_size_fits() { local size; size=$(dpkg-deb -f "$DEB" Installed-Size); echo "$size KiB"; [ "$size" -le 102400 ]; }
# A chroot without /proc: the static binary still reads its arguments (from the C library), and
# the daemon says it needs /proc instead of starting with its defaults.
without_proc() {
    local out
    out=$(unshare -m --propagation private sh -c "umount -l '$ROOT/proc' && chroot '$ROOT' /usr/bin/labad --version") &&
        echo "$out" && grep -q "^${VERSION//./\\.} (commit" <<< "$out" || return 1
    out=$(unshare -m --propagation private sh -c "umount -l '$ROOT/proc' && chroot '$ROOT' /usr/bin/labad --config /etc/laba/laba.yaml --state-dir /tmp/noproc --socket /tmp/noproc.sock" 2>&1)
    local status=$?
    echo "$out (exit $status)"
    [ "$status" = 71 ] && grep -q '/proc is not mounted' <<< "$out"
}
audio_agrees() { grep -qx 'audio_dir: /usr/share/laba/audio' "$ROOT/etc/laba/laba.yaml" && [ -f "$ROOT/usr/share/laba/audio/masks/naxi.flac" ]; }
unit_verifies() { local out; out=$(in_root systemd-analyze verify /lib/systemd/system/laba.service 2>&1); echo "$out"; [ -z "$out" ]; }
WANTS=$ROOT/etc/systemd/system/multi-user.target.wants/laba.service
enabled() { [ "$(readlink "$WANTS")" = /lib/systemd/system/laba.service ]; }
user_made() {
    in_root getent passwd laba && in_root getent group laba && in_root getent group laba-control &&
        in_root id -nG laba | grep -qw audio && in_root id -nG laba | grep -qw laba-control &&
        in_root id -nG laba | grep -qw gpio && [ -f "$ROOT/lib/udev/rules.d/60-laba-gpio.rules" ]
}
state_dir() { [ "$(in_root stat -c '%U:%G %a' /var/lib/laba)" = 'laba:laba 750' ]; }
docs() {
    [ -f "$ROOT/usr/share/man/man1/laba.1.gz" ] && [ -f "$ROOT/usr/share/bash-completion/completions/laba" ] &&
        grep -q "^  swift-nio " "$ROOT/usr/share/doc/laba/copyright" && grep -q "^==== GRDB.swift ====" "$ROOT/usr/share/doc/laba/copyright"
}

check "the bare system has no swift and no libswift*" no_swift
check "apt-get install ./$PREVIOUS (its dependencies from the mirror)" \
    in_root apt-get install -y -q --no-install-recommends "/tmp/$PREVIOUS"
check "no Swift toolchain came with it" no_swift
for tool in labad laba; do
    check "ldd $tool: no libswift*, nothing missing" links_no_swift $tool
    check "$tool --version names the release and the commit" prints_version $tool
done
check "laba check on the installed configuration" in_root laba check --config /etc/laba/laba.yaml
check "the configuration's audio_dir holds the installed recordings" audio_agrees
check "systemd-analyze verify on the installed unit (in the bare system)" unit_verifies
check "the unit is enabled (multi-user.target.wants link)" enabled
check "systemd-sysusers made user and group laba (in audio, laba-control and gpio), the groups, and the GPIO udev rule is installed" user_made
check "the state dir belongs to laba, mode 750" state_dir
check "man pages, completions and the copyright file (the linked packages' licences) are installed" docs
check "one executable: /usr/bin/laba the only ELF, /usr/bin/labad a link to it" one_executable
check "installed size at most 100 MiB" installed_size_fits
check "the libraries loaded on first use (libshout, libgpiod, libxlsxwriter) are installed with it" lazy_libraries_found
check "without /proc, labad --version still prints the version and the daemon says it needs /proc" without_proc

# --- labad by hand, as the unit would run it, on the capture PCMs ---------------------------------
# The installed configuration's xianghe-square plays on laba_left (a card's left channel); here it
# writes /tmp/captures/laba_square.wav instead (Config/alsa-capture.conf).
echo 'pcm.laba_left { type plug slave.pcm "laba_square" }' > "$ROOT/tmp/alsa-test.conf"
install -d -m 1777 "$ROOT/tmp/captures"
start_labad() {
    install -d -m 0750 "$ROOT/run/laba"
    in_root chown laba:laba /run/laba
    : > "$DIR/labad.log"
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 LABA_CAPTURE_DIR=/tmp/captures \
        ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:/usr/share/doc/laba/examples/alsa-capture.conf:/tmp/alsa-test.conf \
        setpriv --reuid=laba --regid=laba --init-groups \
        labad --config /etc/laba/laba.yaml --state-dir /var/lib/laba --socket /run/laba/laba.sock \
        >> "$DIR/labad.log" 2>&1 &
    labad_pid=$!
    # Ready when the log says so (or gone, when it fails).
    for _ in $(seq 300); do
        grep -q ' ready' "$DIR/labad.log" && return 0
        kill -0 "$labad_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$DIR/labad.log"
    return 1
}
stop_labad() {
    kill -TERM "$labad_pid"
    local status=0
    wait "$labad_pid" || status=$?
    labad_pid=
    return $status
}
captured() { [ "$(stat -c %s "$ROOT/tmp/captures/laba_square.wav")" -gt 100000 ]; }
recorded() { local out; out=$(in_root laba history) && echo "$out" && grep handwash <<< "$out" | grep -q completed; }
record() { in_root laba history --format csv | tail -n +2; }
record_intact() { local now; now=$(record) && echo "$now" && [ -n "$record" ] && [ "$now" = "$record" ]; }

check "labad starts as user laba on the installed configuration" start_labad
check "laba play handwash --zone taihe --force --wait" in_root laba play handwash --zone taihe --force --wait
check "the broadcast was written to the capture PCM" captured
check "laba history shows it completed" recorded
record=$(record)
check "labad stops on SIGTERM with status 0" stop_labad

# --- Upgrade to this release --------------------------------------------------------------------
EDIT="# the operator's edit"
echo "$EDIT" >> "$ROOT/etc/laba/laba.yaml"
upgraded() { [ "$(in_root dpkg-query -W -f '${Version}' laba)" = "$VERSION" ]; }
check "apt-get install ./$DEB upgrades ${VERSION}~prev" in_root apt-get install -y -q --no-install-recommends "/tmp/$DEB"
check "dpkg has $VERSION" upgraded
check "the operator's edit of /etc/laba/laba.yaml survived the upgrade" grep -qxF "$EDIT" "$ROOT/etc/laba/laba.yaml"
check "the unit is still enabled" enabled
check "labad starts again after the upgrade" start_labad
check "the record from before the upgrade is intact" record_intact
check "labad stops again" stop_labad

# --- Remove, then purge -------------------------------------------------------------------------
binaries_gone() { [ ! -e "$ROOT/usr/bin/labad" ] && [ ! -e "$ROOT/lib/systemd/system/laba.service" ]; }
config_files_only() { in_root dpkg-query -W -f '${db:Status-Abbrev}' laba | grep -q '^rc'; }
state_gone() { [ ! -e "$ROOT/etc/laba" ] && [ ! -e "$ROOT/var/lib/laba" ]; }
links_gone() { [ ! -e "$WANTS" ] && [ ! -L "$WANTS" ] && [ ! -L "$ROOT/etc/systemd/system/laba.service" ]; }
unknown() { ! in_root dpkg-query -W laba; }

check "apt-get remove laba" in_root apt-get remove -y -q laba
check "remove: the binaries and the unit are gone" binaries_gone
check "remove: the configuration stays, with the edit" grep -qxF "$EDIT" "$ROOT/etc/laba/laba.yaml"
check "remove: the record stays" test -s "$ROOT/var/lib/laba/laba.sqlite"
check "remove: dpkg keeps laba's configuration files (rc)" config_files_only
check "apt-get purge laba" in_root apt-get purge -y -q laba
check "purge: /etc/laba and /var/lib/laba are gone" state_gone
check "purge: the enable link and the mask are gone" links_gone
check "purge: dpkg no longer knows laba" unknown

echo "package-test: $(($(date +%s) - started)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

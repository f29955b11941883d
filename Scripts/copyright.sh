#!/bin/bash
# Writes the package's copyright file (what `make deb` installs as /usr/share/doc/laba/copyright):
# Laba's own part, then, for every Swift package the binaries link in statically (the checkouts of
# the build at SCRATCH), its version, licence text and NOTICE, as Apache-2.0 and MIT ask of a
# binary distribution.
#
# Usage: Scripts/copyright.sh SCRATCH OUT
set -euo pipefail
scratch=$1
out=$2
checkouts=$scratch/checkouts
[ -d "$checkouts" ] || { echo "copyright: no package checkouts in $checkouts" >&2; exit 1; }

{
    echo "Laba (喇叭): scheduled and emergency public-information broadcasts over ALSA."
    echo "labad and laba are written by the Laba authors; the source is the project's repository."
    echo
    echo "The binaries are linked with the Swift runtime and Foundation (Apache License 2.0 with the"
    echo "Runtime Library Exception; see /usr/share/common-licenses/Apache-2.0) and, statically, with"
    echo "these Swift packages, whose licences and notices follow:"
    echo
    for dir in "$checkouts"/*/; do
        name=$(basename "$dir")
        version=$(git -C "$dir" describe --tags --exact-match 2>/dev/null || git -C "$dir" rev-parse --short HEAD 2>/dev/null || echo "?")
        licence=$(ls "$dir" | grep -iE '^(licen[cs]e|copying)(\.txt|\.md)?$' | head -n1 || true)
        kind="see below"
        if [ -n "$licence" ]; then
            if grep -q "Apache License" "$dir/$licence"; then kind="Apache-2.0"
            elif grep -q "MIT License\|Permission is hereby granted, free of charge" "$dir/$licence"; then kind="MIT"
            fi
        fi
        echo "  $name $version ($kind)"
    done
    for dir in "$checkouts"/*/; do
        name=$(basename "$dir")
        echo
        echo "==== $name ===="
        licence=$(ls "$dir" | grep -iE '^(licen[cs]e|copying)(\.txt|\.md)?$' | head -n1 || true)
        if [ -z "$licence" ]; then
            echo "copyright: $name has no licence file" >&2
            exit 1
        fi
        if grep -q "Apache License" "$dir/$licence" && grep -q "TERMS AND CONDITIONS" "$dir/$licence"; then
            # The licence's own text is Debian's; what the package adds to it (its appendix, its
            # third parties' licences) is kept.
            echo "Apache License 2.0: /usr/share/common-licenses/Apache-2.0"
            sed -n '/END OF TERMS AND CONDITIONS/,$p' "$dir/$licence" | sed '1d' | sed '/APPENDIX: How to apply/,/limitations under the License\./d'
        else
            cat "$dir/$licence"
        fi
        notice=$(ls "$dir" | grep -iE '^notice(\.txt|\.md)?$' | head -n1 || true)
        if [ -n "$notice" ]; then
            echo
            echo "-- NOTICE --"
            cat "$dir/$notice"
        fi
    done
} > "$out"

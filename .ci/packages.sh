# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# memdev_need PKG...: installs the Debian packages that are missing (as root, or with sudo),
# so every entry point works on a fresh Debian 12 machine. Sourced by tests/run, fuzz/*, bench/*.
memdev_need() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    echo "memdev: installing ${missing[*]}" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            "${missing[@]}" >&2 || {
        echo "memdev: could not install ${missing[*]}" >&2
        return 1
    }
}

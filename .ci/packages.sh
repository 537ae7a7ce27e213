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

# memdev_ninja: new build trees are made for Ninja (CMAKE_GENERATOR, unless the caller set
# one): a build with nothing to do takes 0.2 s with it, against 4-6 s with Make's recursive
# makefiles, and every campaign, replay, tool test and mutant starts with one. An existing build
# tree keeps the generator it was made with (CMake takes it from its cache). Needs ninja-build.
memdev_ninja() {
    [ -n "${CMAKE_GENERATOR:-}" ] || export CMAKE_GENERATOR=Ninja
}

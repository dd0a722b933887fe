# Shared by the README's two commands: say what happens, install what is missing, never more.
# Sourced, not run.

kvd_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
kvd_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The system libraries kvdeck links (libcurl, libyaml, ncursesw), and the tools the tests drive
# (openssl for throwaway certificate authorities, python3 for the TLS test server, tmux for
# headless console checks, nghttpd as an HTTP/2 peer for the transport tests, kubectl as the
# reference client when it is installed).
KVD_APT_PACKAGES=(libcurl4-openssl-dev libyaml-dev libncurses-dev openssl tmux nghttp2-server)

kvd_require_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        if [ -x /opt/swift/usr/bin/swift ]; then
            export PATH="/opt/swift/usr/bin:$PATH"
        else
            kvd_die "no Swift toolchain found (expected 'swift' on PATH or in /opt/swift/usr/bin); install Swift 6.x"
        fi
    fi
}

kvd_install_apt_packages() {
    local missing=() p
    for p in "${KVD_APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        kvd_say "system packages present: ${KVD_APT_PACKAGES[*]}"
        return
    fi
    kvd_say "installing missing system packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq || kvd_die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
        || kvd_die "apt-get install ${missing[*]} failed"
}

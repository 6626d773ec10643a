#!/bin/sh
# Install caro from the release's forge. The cockpit's install-script playbook edits VERSION.
#   CARO_FORGE    where releases live: https://github.com/OWNER/REPO/releases/download (the
#                 default) or a local forge directory (the cockpit demo's)
#   INSTALL_DIR   where the binary goes (default ~/.local/bin)
set -eu
VERSION="v1.0.0"
FORGE="${CARO_FORGE:-https://github.com/wildcard/caro/releases/download}"
INSTALL_DIR="${INSTALL_DIR:-$HOME/.local/bin}"
TARGET="$(uname -m)-unknown-linux-gnu"
ASSET="caro-${VERSION}-${TARGET}.tar.gz"
echo "installing caro ${VERSION} (${TARGET}) from ${FORGE}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
fetch() {
    case "$FORGE" in
        http://*|https://*) curl -fsSL -o "$WORK/$1" "$FORGE/$VERSION/$1" ;;
        *) cp "$FORGE/$VERSION/$1" "$WORK/$1" ;;
    esac
}
fetch "$ASSET"
fetch "$ASSET.sha256"
(cd "$WORK" && sha256sum -c "$ASSET.sha256" >/dev/null) || {
    echo "checksum mismatch for $ASSET" >&2; exit 1; }
mkdir -p "$INSTALL_DIR"
tar -xzf "$WORK/$ASSET" -C "$INSTALL_DIR" caro
echo "installed $("$INSTALL_DIR/caro" --version) in $INSTALL_DIR"

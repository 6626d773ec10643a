#!/bin/sh
# Install caro from the release's forge. The cockpit's install-script playbook edits VERSION.
set -eu
VERSION="v1.0.0"
FORGE="${CARO_FORGE:-https://github.com/wildcard/caro/releases/download}"
echo "installing caro ${VERSION} from ${FORGE}"

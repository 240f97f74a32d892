#!/usr/bin/env bash
# The Label Studio server the tests drive (tests/test_labelstudio_server.py): its own virtual
# environment, apart from claimset's, because its pinned Django stack would clash with ours.
# It also keeps a migrated SQLite database, VENV/template/, made once here: Label Studio spends most
# of two minutes on its migrations, and the test copies the template instead (about 15 s to start).
# The template's user and token are for tests on 127.0.0.1 only.
# Idempotent: an environment that already holds the pinned version and its template is kept.
#   scripts/labelstudio-venv.sh [VENV]   (default .venv-labelstudio; LABEL_STUDIO_PYTHON picks the Python)
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.23.2
VENV="${1:-.venv-labelstudio}"
TOKEN=claimset0test0token0only0for0loopback
make_template() {
  rm -rf "$VENV/template.tmp"
  # LATEST_VERSION_CHECK=false: no call to the package index from the server itself.
  LABEL_STUDIO_BASE_DATA_DIR="$VENV/template.tmp" LATEST_VERSION_CHECK=false "$VENV/bin/label-studio" init --no-browser \
    --data-dir "$VENV/template.tmp" --database "$VENV/template.tmp/label_studio.sqlite3" \
    --username claimset@example.com --password claimset-test --user-token "$TOKEN" --enable-legacy-api-token -q >"$VENV/template.log" 2>&1
  rm -rf "$VENV/template" && mv "$VENV/template.tmp" "$VENV/template"
}
if [ -x "$VENV/bin/label-studio" ] && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('label-studio') != '$VERSION')" 2>/dev/null; then
  [ -f "$VENV/template/label_studio.sqlite3" ] || make_template
  echo "label-studio $VERSION: $VENV is ready"
  exit 0
fi
# Label Studio $VERSION needs Python >= 3.10; take the one given, else python3 if it is new enough.
PY="${LABEL_STUDIO_PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  for cand in /root/.pyenv/versions/3.12*/bin/python /root/.pyenv/versions/3.11*/bin/python python3.12 python3.11; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      PY="$cand"; break
    fi
  done
fi
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "label-studio==$VERSION" 2>&1 | grep -v "^WARNING: Location" || true
# (not `label-studio --version`: that starts a server on port 8080 and never returns)
"$VENV/bin/python" -c "import importlib.metadata as m, sys, label_studio; sys.exit(m.version('label-studio') != '$VERSION')" \
  || { echo "label-studio $VERSION did not install into $VENV" >&2; exit 1; }
make_template
echo "label-studio $VERSION installed in $VENV ($("$VENV/bin/python" --version))"

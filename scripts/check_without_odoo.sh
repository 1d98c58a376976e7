#!/usr/bin/env bash
# Run the README's test command as a machine without Odoo would: a throwaway virtual
# environment (no system site-packages) that gets only what setup.sh installs from
# requirements.txt and requirements-test.txt, and a fresh clone of the committed tree.
# Fails if `import odoo.release` works there (the check would prove nothing) or if
# scripts/test.sh fails.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv" || { echo "check_without_odoo: cannot create a venv" >&2; exit 1; }
# Both the venv's python3 and pip come first on PATH, as an activated venv would have them.
export PATH="$work/venv/bin:$PATH"
unset PYTHONPATH VIRTUAL_ENV
git clone --quiet "$ROOT" "$work/clone" || exit 1
cd "$work/clone" || exit 1
bash scripts/setup.sh >/dev/null || { echo "check_without_odoo: setup.sh failed" >&2; exit 1; }
if python3 -c "import odoo.release" 2>/dev/null; then
    echo "check_without_odoo: odoo.release is importable in the venv; the check is void" >&2
    exit 1
fi
python3 -c "import odoo.release" 2>&1 | tail -n 1 | sed 's/^/import odoo.release: /'
bash scripts/test.sh 2>&1 | tee "$work/test.log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
    echo "check_without_odoo: scripts/test.sh exited $rc without Odoo" >&2
    exit 1
fi
grep -q "Odoo suite NOT RUN" "$work/test.log" || {
    echo "check_without_odoo: the loud 'Odoo suite NOT RUN' line is missing" >&2
    exit 1
}
echo "check_without_odoo: scripts/test.sh exited 0 without Odoo"

#!/usr/bin/env bash
# The backend's set-up as a newcomer types it, in a fresh copy of backend/: a venv named `env`,
# `pip install -r requirements.txt`, `alembic upgrade head`, `uvicorn app.main:app --reload`,
# then one request. Fails if any step does.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill -- "-$server" 2>/dev/null || kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

tar -C "$repo" --exclude=.venv --exclude=__pycache__ --exclude='.*_cache' -cf - backend | tar -C "$work" -xf -
cd "$work/backend"
export DATA_DIR="$work/data"  # the steps' own database, not the checkout's
python3 -m venv env
env/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
env/bin/alembic upgrade head
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid env/bin/uvicorn app.main:app --reload --host 127.0.0.1 --port "$port" >"$work/uvicorn.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
    curl -fsS -X POST "http://127.0.0.1:$port/api/v1/signup" -H 'content-type: application/json' \
      -d '{"username": "newcomer", "password": "correct horse battery"}' >/dev/null
    echo "seed steps: venv, pip install, alembic upgrade head, uvicorn app.main:app --reload: ok"
    exit 0
  fi
  sleep 0.2
done
echo "seed steps: the server did not answer; its log:" >&2
cat "$work/uvicorn.log" >&2
exit 1

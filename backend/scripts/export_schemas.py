"""Writes the two documents the frontend's types are generated from, without a server:

    cd backend && .venv/bin/python scripts/export_schemas.py OUT_DIR

OUT_DIR/openapi.json is what GET /openapi.json serves, OUT_DIR/ws-schema.json what
GET /api/v1/ws-schema serves (both on default settings). `npm run gen:types` in frontend/
runs this. Building the app needs no database; its data directory is a temporary one, so
nothing is written in the repository. Environment variables that would change the settings
are ignored: the documents describe the defaults, whoever runs this."""

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings

# Before the app is imported further: its settings are read from the environment.
for _name in list(os.environ):
    if _name.lower() in Settings.model_fields:
        del os.environ[_name]

from app.main import create_app  # noqa: E402
from app.realtime.frames import frames_json_schema  # noqa: E402


def documents() -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="export-schemas-") as data_dir:
        openapi = create_app(Settings(data_dir=Path(data_dir))).openapi()
    return {"openapi.json": openapi, "ws-schema.json": frames_json_schema()}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, document in documents().items():
        (out / name).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

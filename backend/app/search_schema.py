"""Database objects the migrations create by hand because the models cannot describe them: the
SQLite full-text table (FTS5, trigram tokenizer) with its triggers, and PostgreSQL's trigram
index (pg_trgm, GIN). Autogenerate (`alembic check`) is told to leave them alone."""

FTS_TABLE = "messages_fts"  # SQLite: external-content FTS5 over messages.body, by message id
TRIGRAM_INDEX = "ix_messages_body_trgm"  # PostgreSQL: GIN (body gin_trgm_ops) serving ILIKE '%q%'


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name` hook: skip what the models do not declare on purpose."""
    if type_ == "table" and name is not None and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")):
        return False  # the FTS5 table and its shadow tables (_data, _idx, _docsize, _config)
    return not (type_ == "index" and name == TRIGRAM_INDEX)

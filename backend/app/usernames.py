"""Which usernames may be taken: none that reads like someone else's, none that reads like staff.

Two names collide when their skeletons match: each character replaced by the one it is
confusable with in Unicode's confusables table (UTS #39, as packaged by confusable-homoglyphs),
then case folded. So `aIice` (capital i) collides with `alice`, `b0b` with `bob`, `rnike` with
`mike`; plain case differences were already one name (`username_key`)."""

from functools import lru_cache

from confusable_homoglyphs.utils import load

# Names people would take for the operators of the service.
RESERVED = ("admin", "administrator", "root", "system", "support", "moderator", "staff", "security")


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Character -> the character (or characters) it is drawn like.

    The package keeps the table both ways: a source character lists the one prototype it maps
    to, a prototype lists every source that maps to it (and itself maps to nothing)."""
    table: dict[str, list[dict[str, str]]] = load("confusables.json")
    prototypes = {char: entries[0]["c"] for char, entries in table.items() if len(char) == 1 and len(entries) == 1}
    # A prototype with a single source looks like a source too: such a pair maps to one of them.
    for char, target in list(prototypes.items()):
        if prototypes.get(target) == char:
            prototypes[char] = prototypes[target] = min(char, target)
    return prototypes


def skeleton(username: str) -> str:
    prototypes = _prototypes()
    return "".join(prototypes.get(char, char) for char in username).casefold()


def is_reserved(username: str) -> bool:
    return username.casefold() in RESERVED or skeleton(username) in _RESERVED_SKELETONS


# Capitals draw differently (I is drawn like l, M unlike rn): every way of writing the names.
_RESERVED_SKELETONS = frozenset(
    skeleton(written) for name in RESERVED for written in (name, name.capitalize(), name.upper())
)

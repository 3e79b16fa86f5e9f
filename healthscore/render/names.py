"""Safe, unique output file names derived from customer ids.

Customer ids come from a CRM export and may hold anything: slashes, `..`, spaces, emoji,
case-only differences. A file name is a readable slug of the id plus a short hash of the
*exact* id, so no id can leave the output folder and two different ids never share a file
(`Acme` and `acme` slug alike but hash apart). Collisions of the short hash within one run
are detected and resolved by a longer hash, never by overwriting.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

_UNSAFE = re.compile(r"[^a-z0-9]+")
SLUG_MAX = 40
HASH_LEN = 8


def slugify(text: str, max_len: int = SLUG_MAX) -> str:
    """Lower-case ASCII letters, digits and single dashes; never empty, never `.`/`..`."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    slug = _UNSAFE.sub("-", ascii_text.lower()).strip("-")[:max_len].strip("-")
    return slug or "customer"


def _digest(customer_id: str) -> str:
    return hashlib.sha256(str(customer_id).encode("utf-8")).hexdigest()


def safe_stem(customer_id: object, hash_len: int = HASH_LEN) -> str:
    """`slug-hash` for one id: only `[a-z0-9-]`, so it is a plain name inside any folder."""
    return f"{slugify(str(customer_id))}-{_digest(str(customer_id))[:hash_len]}"


def safe_stems(customer_ids: Iterable[object]) -> dict[str, str]:
    """Map every id (as text) to a unique stem; lengthens the hash if two short ones clash."""
    ids = [str(c) for c in customer_ids]
    hash_len = HASH_LEN
    while True:
        stems = {c: safe_stem(c, hash_len) for c in ids}
        if len(set(stems.values())) == len(stems):
            return stems
        if hash_len >= 64:  # identical full digests: only possible for identical ids
            raise ValueError("duplicate customer ids cannot get distinct file names")
        hash_len *= 2

"""Pseudonymised authors: a salted hash instead of a name.

Why salted: without a secret salt, anyone could hash a known username and find that
person's reviews in the warehouse. Why stable: the same author in the same source maps to
the same pseudonym across runs, so "one angry customer posted ten times" stays visible.
The salt is a secret: it comes from the environment or from a 0600 file beside the
warehouse, and never enters the database, the logs or the repository.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

SALT_ENV = "KLANTSTEM_AUTHOR_SALT"
PSEUDONYMISE_ENV = "KLANTSTEM_PSEUDONYMISE"
SALT_FILE_NAME = ".author_salt"


def pseudonymise(salt: str, source: str, raw_author: str | None) -> str | None:
    """Return a 16-hex-char pseudonym for ``raw_author`` within ``source``; ``None`` stays ``None``."""
    if raw_author is None:
        return None
    name = " ".join(raw_author.split()).casefold()
    if not name:
        return None
    digest = hashlib.sha256(f"{salt}\x00{source}\x00{name}".encode("utf-8")).hexdigest()
    return digest[:16]


def keyed_id(salt: str, digest: str) -> str:
    """``"h:"`` + the first 40 hex digits of ``HMAC-SHA256(salt, digest)``: a review id that a
    list of guessed names cannot be matched to without the salt.

    Keyed over the unkeyed ``sha1`` digest (not over the fields themselves) so that a review
    stored under that digest before ids were keyed can be re-keyed from the stored id alone,
    to the very id a crawl computes now (``warehouse.identity.rekey_unkeyed_fallback_ids``).
    """
    return "h:" + hmac.new(salt.encode("utf-8"), digest.encode("ascii"), hashlib.sha256).hexdigest()[:40]


def load_or_create_salt(folder: Path, env_var: str = SALT_ENV) -> str:
    """The salt from ``env_var`` if set, else from (or newly written to) ``folder/.author_salt``.

    Creating it on first use keeps the demo one command long while still keeping the
    secret out of the database and the repository. Processes starting at once agree on one
    salt: the file is written under a temporary name and hard-linked into place, which
    fails if another process got there first (then its salt is read); a reader never sees a
    file that exists but is still empty.
    """
    from_env = os.environ.get(env_var)
    if from_env:
        return from_env
    path = folder / SALT_FILE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{SALT_FILE_NAME}.", dir=folder)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first: use its salt
    finally:
        os.unlink(tmp)
    return path.read_text(encoding="utf-8").strip()

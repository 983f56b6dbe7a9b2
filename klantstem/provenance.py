"""Where a review came from: written unprompted (organic) or because the company asked (invited).

Review platforms mix two populations in one star average: people who went looking for a
place to complain or praise, and customers the company invited after a purchase. The two
differ a lot (invited reviews are far more positive), so every figure that mixes them
moves with the company's invitation campaigns instead of with its customers' experience.
Klantstem stores each mention's provenance where the source states it and keeps figures
per population (see docs/provenance.md).

Stored per mention (``mentions.provenance``, ``verification``, ``provenance_raw``):

* ``provenance``: ``organic`` | ``invited`` | ``other``, or NULL where the source says nothing;
* ``verification``: the platform's own verification label (Trustpilot ``verificationLevel``,
  e.g. ``verified`` / ``not-verified``);
* ``provenance_raw``: the platform's raw origin value (Trustpilot ``reviewSourceName``,
  e.g. ``Organic``, ``BusinessGeneratedLink``).

Figures use two *populations*: ``invited`` (provenance ``invited``) and ``organic``
(everything else: organic, other, and sources that carry no label, such as social posts).
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

Provenance = Literal["organic", "invited", "other"]
PROVENANCES: frozenset[str] = frozenset({"organic", "invited", "other"})

# Trustpilot ``labels.verification.reviewSourceName`` values and what they mean: a review the
# consumer wrote unprompted, or one of the company's invitation channels (automatic
# invitation e-mails and the API, business-generated links, the generic "basic link").
_TRUSTPILOT_ORGANIC = frozenset({"organic"})
_TRUSTPILOT_INVITED_PREFIXES = ("invitation", "businessgeneratedlink", "basiclink", "afs", "invited")


class ProvenanceLabel(NamedTuple):
    """A mention's origin as stored: the class, the platform's verification label, its raw value."""

    provenance: Provenance | None
    verification: str | None
    raw: str | None


NO_LABEL = ProvenanceLabel(None, None, None)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def trustpilot_provenance(labels: Any) -> ProvenanceLabel:
    """The provenance of one Trustpilot review from its ``labels.verification`` object.

    ``reviewSourceName`` decides; a name this code does not know is ``other`` (kept, with its raw
    value, so that an analyst can see it and it never silently counts as invited). Without a
    ``reviewSourceName`` the origin is unknown (NULL), even for a verified review: Trustpilot
    also verifies reviews that consumers wrote on their own, so ``isVerified`` alone says
    nothing about who asked for the review.
    """
    verification = labels.get("verification") if isinstance(labels, dict) else None
    if not isinstance(verification, dict):
        return NO_LABEL
    raw = _text(verification.get("reviewSourceName"))
    level = _text(verification.get("verificationLevel"))
    if raw is not None:
        name = raw.casefold()
        if name in _TRUSTPILOT_ORGANIC:
            return ProvenanceLabel("organic", level, raw)
        if name.startswith(_TRUSTPILOT_INVITED_PREFIXES):
            return ProvenanceLabel("invited", level, raw)
        return ProvenanceLabel("other", level, raw)
    return ProvenanceLabel(None, level, None)


def population(provenance: str | None) -> Literal["organic", "invited"]:
    """The population a mention counts in: ``invited`` only when the source says so."""
    return "invited" if provenance == "invited" else "organic"

"""Text keys shared by the Python side: the same folding the SQL's `norm()` macro does
(transformations/macros/text.sql), so a key computed here equals
the key the models compute."""

from __future__ import annotations

import re
import unicodedata


def fold_accents(text: str) -> str:
    """Accents off, case kept, and any other non-ascii character dropped: "Hermès Chloé" ->
    "Hermes Chloe". The one accent folding of the code base (parsers, the sandbox's replicas,
    these keys); the SQL's `norm()` macro does the same."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def alias_words(text: str | None) -> str:
    """Lower-case ascii words: "Sac de Jour" -> "sac de jour", "Pont-Neuf" -> "pont neuf"."""
    if not text:
        return ""
    return re.sub(r"[^a-z0-9]+", " ", fold_accents(text).lower()).strip()


def model_key(brand: str | None, model: str | None) -> str | None:
    """'<brand>/<model>' as the models' model_key: "Saint Laurent", "Lou Camera" -> saint-laurent/lou-camera."""
    if not brand or not model:
        return None
    return f"{alias_words(brand).replace(' ', '-')}/{alias_words(model).replace(' ', '-')}"

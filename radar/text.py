"""Text keys shared by the Python side: the same folding the SQL's `norm()` macro does
(transformations/sql/intermediate/int_listings_unioned.sql), so a key computed here equals
the key the models compute."""

from __future__ import annotations

import re
import unicodedata


def alias_words(text: str | None) -> str:
    """Lower-case ascii words: "Sac de Jour" -> "sac de jour", "Pont-Neuf" -> "pont neuf"."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", " ", folded.lower()).strip()


def model_key(brand: str | None, model: str | None) -> str | None:
    """'<brand>/<model>' as the models' model_key: "Saint Laurent", "Lou Camera" -> saint-laurent/lou-camera."""
    if not brand or not model:
        return None
    return f"{alias_words(brand).replace(' ', '-')}/{alias_words(model).replace(' ', '-')}"

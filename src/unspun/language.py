"""Which language a document is in (ISO 639-1), with py3langid, loaded once per process.

Decision on short text: a few words are not enough for any identifier to be sure, and the stages that only
work on English would be skipped on a wrong guess. Text with fewer than `MIN_LETTERS` letters is therefore
taken as English (``"en"``) unless langid is confident (probability >= `SHORT_TEXT_MIN_PROB`) that it is
another language; text with no letters at all (numbers, emoji) is ``"en"`` too, because there is nothing for
a language-specific stage to get wrong. Longer text gets langid's best guess.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

# Below this many letters the identifier's guess is unreliable (it sees one or two words).
MIN_LETTERS = 20
# A short text is called non-English only when langid is this sure.
SHORT_TEXT_MIN_PROB = 0.95
# Identification needs a sample, not a 20 MB page: the first characters carry the article.
SAMPLE_CHARS = 20_000
DEFAULT_LANGUAGE = "en"

_LETTER_RE = re.compile(r"[^\W\d_]")


@cache
def load_identifier() -> Any:
    """The language identifier, loaded once per process."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str:
    """The ISO 639-1 code of `text`'s language, e.g. ``"en"``; see the module docstring for short text."""
    sample = text[:SAMPLE_CHARS]
    letters = len(_LETTER_RE.findall(sample))
    if letters == 0:
        return DEFAULT_LANGUAGE
    language, prob = load_identifier().classify(sample)
    if letters < MIN_LETTERS and (language == DEFAULT_LANGUAGE or prob < SHORT_TEXT_MIN_PROB):
        return DEFAULT_LANGUAGE
    return str(language)

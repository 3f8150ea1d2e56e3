"""Language detection (unspun.language)."""

from __future__ import annotations

import pytest

from unspun.language import detect_language


@pytest.mark.parametrize(
    "text,lang",
    [
        ("The port authority confirmed on Tuesday that the consortium will keep the disputed fees.", "en"),
        (
            "Die Sanierung der Nordbrücke kostet inzwischen 48 Millionen Euro, doppelt so viel wie geplant.",
            "de",
        ),
        ("Le maire a déclaré mardi que la ville rénoverait l'école avant la rentrée scolaire.", "fr"),
        ("El ayuntamiento aprobó el martes un aumento del precio del agua del catorce por ciento.", "es"),
    ],
)
def test_detects_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_short_text_is_english_unless_sure() -> None:
    assert detect_language("Exactly.") == "en"
    assert detect_language("lol ok") == "en"
    assert detect_language("12345 !!!") == "en"

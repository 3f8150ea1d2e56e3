"""The quotes evaluation's scoring on hand-made predictions with known answers (no model)."""

from __future__ import annotations

import pytest

from unspun.stages.quotes import Relation, RoleSpan
from unspun.training.polnear import AnnotatedArticle, Attribution
from unspun.training.quotes_eval import ArticlePrediction, relation_matches, score


def rs(role: str, start: int, end: int) -> RoleSpan:
    return RoleSpan(role, start, end, 1.0)


GOLD = Attribution(source=((0, 5),), cue=((6, 10),), content=((11, 20), (30, 40)))


def test_a_relation_matches_by_overlap_or_exactly_on_every_role() -> None:
    exact = Relation(rs("content", 30, 40), rs("cue", 6, 10), rs("source", 0, 5))
    assert relation_matches(exact, GOLD, exact=True)  # one fragment of a discontinuous content suffices
    loose = Relation(rs("content", 12, 18), rs("cue", 7, 9), rs("source", 0, 3))
    assert relation_matches(loose, GOLD, exact=False) and not relation_matches(loose, GOLD, exact=True)
    no_source = Relation(rs("content", 12, 18), rs("cue", 7, 9), None)
    assert not relation_matches(no_source, GOLD, exact=False)
    gold_no_source = Attribution(source=(), cue=((6, 10),), content=((11, 20),))
    assert relation_matches(no_source, gold_no_source, exact=False)


def test_scores_per_role_and_relation() -> None:
    art = AnnotatedArticle("a_x", "x" * 50, [GOLD])
    spans = [rs("source", 0, 5), rs("cue", 6, 10), rs("content", 11, 20), rs("content", 45, 48)]
    rels = [Relation(spans[2], spans[1], spans[0]), Relation(spans[3], None, None)]
    m = score([ArticlePrediction(art, spans, rels)])
    assert m["source"]["exact_f1"] == 1.0 and m["cue"]["overlap_f1"] == 1.0
    # content: 1 of 2 predictions right, 1 of 2 gold fragments found
    assert m["content"]["exact_precision"] == 0.5 and m["content"]["exact_recall"] == 0.5
    # relations: 1 of 2 predictions right, the one gold relation found
    assert m["relation"]["overlap_precision"] == 0.5 and m["relation"]["overlap_recall"] == 1.0
    assert m["relation"]["exact_f1"] == pytest.approx(2 * 0.5 * 1.0 / 1.5, abs=1e-4)

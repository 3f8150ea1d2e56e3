"""Google's own Perspective client, unchanged, against our server: only the discovery URL differs.

This is how Perspective's documentation calls the API (`googleapiclient.discovery.build`); a tool built on it
moves to unspun by changing `discoveryServiceUrl`. Marked `model`: the server runs the shipped hate model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from live import live_server

from unspun.options import Options
from unspun.server import ServerSettings

googleapiclient = pytest.importorskip("googleapiclient", reason="the [dev] extra's google-api-python-client")
from googleapiclient import discovery  # noqa: E402
from googleapiclient.errors import HttpError  # noqa: E402

pytestmark = pytest.mark.model

KEY = "test-key-0123456789"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = ServerSettings(api_keys=frozenset({KEY}))
    with live_server(Options(threads=1), settings) as url:
        yield url


def client(base: str, key: str = KEY):  # type: ignore[no-untyped-def]
    """Exactly Perspective's documented client call, with our discovery URL."""
    return discovery.build(
        "commentanalyzer",
        "v1alpha1",
        developerKey=key,
        discoveryServiceUrl=f"{base}/$discovery/rest?version=v1alpha1",
        static_discovery=False,
        cache_discovery=False,
    )


COMMENT = "What kind of idiot name is foo? Sorry, I like your name."


def test_summary_scores(server: str) -> None:
    body = {"comment": {"text": COMMENT}, "languages": ["en"],
            "requestedAttributes": {"TOXICITY": {}, "SEVERE_TOXICITY": {}, "IDENTITY_ATTACK": {}},
            "doNotStore": True, "clientToken": "token-7"}
    response = client(server).comments().analyze(body=body).execute()
    assert set(response["attributeScores"]) == {"TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK"}
    for scores in response["attributeScores"].values():
        summary = scores["summaryScore"]
        assert summary["type"] == "PROBABILITY" and 0.0 <= summary["value"] <= 1.0
        assert "spanScores" not in scores
    # SEVERE_TOXICITY = p(hate) <= 1 - p(normal) = TOXICITY, sentence by sentence and so for the maximum
    tox = response["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    assert response["attributeScores"]["SEVERE_TOXICITY"]["summaryScore"]["value"] <= tox
    assert response["languages"] == ["en"] and response["clientToken"] == "token-7"


def test_span_annotations_per_sentence(server: str) -> None:
    text = "I like this harbour. 😀 The fees went up again last year."
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": True}
    response = client(server).comments().analyze(body=body).execute()
    scores = response["attributeScores"]["TOXICITY"]
    spans = scores["spanScores"]
    # one span per sentence, in code points over comment.text (the emoji counts one)
    assert [text[s["begin"] : s["end"]] for s in spans][0] == "I like this harbour."
    assert text[spans[-1]["begin"] : spans[-1]["end"]].endswith("last year.")
    assert scores["summaryScore"]["value"] == max(s["score"]["value"] for s in spans)
    assert response["detectedLanguages"] == ["en"] and response["languages"] == ["en"]


def test_score_threshold_leaves_the_attribute_out(server: str) -> None:
    body = {"comment": {"text": "The council met on Tuesday to discuss the budget."},
            "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.99}, "SEVERE_TOXICITY": {}}}
    response = client(server).comments().analyze(body=body).execute()
    assert set(response["attributeScores"]) == {"SEVERE_TOXICITY"}


def _error(exc: HttpError) -> dict:  # type: ignore[type-arg]
    return json.loads(exc.content)["error"]


def test_unsupported_attribute_is_perspectives_400(server: str) -> None:
    body = {"comment": {"text": COMMENT}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}
    with pytest.raises(HttpError) as caught:
        client(server).comments().analyze(body=body).execute()
    assert caught.value.resp.status == 400
    error = _error(caught.value)
    assert error["status"] == "INVALID_ARGUMENT" and "INSULT" in error["message"]
    detail = error["details"][0]
    assert detail["@type"] == "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
    assert detail["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"


def test_unsupported_language_is_perspectives_400(server: str) -> None:
    body = {"comment": {"text": "Ce commentaire est en français."}, "languages": ["fr"],
            "requestedAttributes": {"TOXICITY": {}}}
    with pytest.raises(HttpError) as caught:
        client(server).comments().analyze(body=body).execute()
    assert caught.value.resp.status == 400
    assert _error(caught.value)["details"][0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"


def test_bad_key_is_403(server: str) -> None:
    body = {"comment": {"text": COMMENT}, "requestedAttributes": {"TOXICITY": {}}}
    # the discovery document is public (as Google's is); the method call carries the wrong key
    with pytest.raises(HttpError) as caught:
        client(server, key="not-a-key").comments().analyze(body=body).execute()
    assert caught.value.resp.status == 403
    assert _error(caught.value)["status"] == "PERMISSION_DENIED"


def test_discovery_points_at_the_server(server: str) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{server}/$discovery/rest?version=v1alpha1", timeout=10) as r:
        doc = json.load(r)
    assert doc["rootUrl"] == f"{server}/"
    method = doc["resources"]["comments"]["methods"]["analyze"]
    assert method["path"] == "v1alpha1/comments:analyze" and method["httpMethod"] == "POST"
    assert method["request"]["$ref"] == "AnalyzeCommentRequest"
    shipped = json.loads((Path(__file__).parents[2] / "src/unspun/server/discovery.json").read_text())
    assert doc["schemas"] == shipped["schemas"]

"""The Perspective-compatible endpoint: request checks and their errors in Google's shape, the derivation of
each attribute from hate spans, span offsets; the model-backed answers are marked `model`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from testpaths import FAST_STAGES

from unspun.document import Document, Span
from unspun.options import Options
from unspun.server import create_app
from unspun.server import perspective as P

GOOGLE_ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "status"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string", "minLength": 1},
                       "status": {"type": "string"},
                       "details": {"type": "array", "items": {"type": "object", "required": ["@type"]}}}}},
}
URL = "/v1alpha1/comments:analyze"


def google_error(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    jsonschema.validate(body, GOOGLE_ERROR)
    assert body["error"]["code"] == status
    return dict(body["error"])


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # request checks happen before any analysis: no model needed
    with TestClient(create_app(Options(stages=FAST_STAGES), initialize=False)) as c:
        yield c


def request(text: str = "A comment.", **extra: Any) -> dict[str, Any]:
    return {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, **extra}


@pytest.mark.parametrize("body, error_type, words", [
    (request(""), "COMMENT_EMPTY", "non-empty"),
    (request("  \n"), "COMMENT_EMPTY", "non-empty"),
    ({"requestedAttributes": {"TOXICITY": {}}}, "COMMENT_EMPTY", "non-empty"),
    (request("é" * 10_241), "COMMENT_TOO_LONG", "too long"),
    ({"comment": {"text": "A comment."}}, "NO_REQUESTED_ATTRIBUTES", "requested_attributes"),
    ({"comment": {"text": "A comment."}, "requestedAttributes": {}}, "NO_REQUESTED_ATTRIBUTES", ""),
    ({"comment": {"text": "A."}, "requestedAttributes": {"NOT_A_THING": {}}}, "INVALID_REQUEST", "Unknown"),
    ({"comment": {"text": "A.", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}}, "INVALID_REQUEST",
     "PLAIN_TEXT"),
    ({"comment": {"text": "A."}, "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}},
     "INVALID_REQUEST", "STD_DEV_SCORE"),
])
def test_request_errors(client: TestClient, body: dict[str, Any], error_type: str, words: str) -> None:
    error = google_error(client.post(URL, json=body))
    assert error["status"] == "INVALID_ARGUMENT" and words in error["message"]
    assert error["details"] == [{"@type": P.ERROR_DETAIL_TYPE, "errorType": error_type}]


def test_exactly_20_kb_is_accepted_by_the_checks() -> None:
    req = P.AnalyzeCommentRequest.model_validate(request("é" * 10_240))  # 20,480 bytes
    assert P.check_request(req).text == "é" * 10_240


@pytest.mark.parametrize("attribute", ["INSULT", "PROFANITY", "THREAT", "SEXUALLY_EXPLICIT", "FLIRTATION",
                                       "SPAM", "ATTACK_ON_AUTHOR"])
def test_unscored_attribute_is_language_not_supported(client: TestClient, attribute: str) -> None:
    body = {"comment": {"text": "A."}, "requestedAttributes": {"TOXICITY": {}, attribute: {}}}
    error = google_error(client.post(URL, json=body))
    assert error["message"] == f"Attribute {attribute} does not support request languages: en"
    (detail,) = error["details"]
    assert detail["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert detail["languageNotSupportedByAttributeError"] == {"attribute": attribute,
                                                              "requestedLanguages": ["en"]}


@pytest.mark.parametrize("languages", [["de"], ["en", "fr"], ["pt-BR"]])
def test_other_languages_are_refused(client: TestClient, languages: list[str]) -> None:
    error = google_error(client.post(URL, json=request(languages=languages)))
    detail = error["details"][0]
    assert detail["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert detail["languageNotSupportedByAttributeError"]["requestedLanguages"] == languages


@pytest.mark.parametrize("tag", ["en", "en-US", "EN_gb"])
def test_english_tags(tag: str) -> None:
    req = P.AnalyzeCommentRequest.model_validate(request(languages=[tag]))
    assert P.check_request(req).languages == [tag]


def test_drop_unsupported_attributes(client: TestClient) -> None:
    body = {"comment": {"text": "A."}, "requestedAttributes": {"INSULT": {}},
            "dropUnsupportedAttributes": True, "clientToken": "t"}
    response = client.post(URL, json=body)
    assert response.status_code == 200 and response.json() == {"attributeScores": {}, "clientToken": "t"}


def test_proto_field_names_are_accepted() -> None:
    req = P.AnalyzeCommentRequest.model_validate({
        "comment": {"text": "A."}, "requested_attributes": {"TOXICITY": {"score_threshold": 0.5}},
        "span_annotations": True, "client_token": "c", "do_not_store": True})
    checked = P.check_request(req)
    assert checked.attributes == {"TOXICITY": 0.5} and checked.spans and checked.client_token == "c"


def test_validation_errors_have_googles_shape(client: TestClient) -> None:
    error = google_error(client.post(URL, json={"comment": {"text": 5}, "requestedAttributes": []}))
    assert error["status"] == "INVALID_ARGUMENT"


# -- the derivation ----------------------------------------------------------------------------------------


def hate_span(start: int, end: int, hate: float, offensive: float, targets: list[str] | None = None) -> Span:
    normal = round(1 - hate - offensive, 6)
    label = max((("hate", hate), ("offensive", offensive), ("normal", normal)), key=lambda x: x[1])[0]
    return Span(start, end, label, None, {"targets": targets or [], "rationale": [],
                                          "scores": {"hate": hate, "offensive": offensive, "normal": normal}},
                "hate")


def test_attribute_derivation() -> None:
    untargeted = P.attribute_scores(hate_span(0, 5, 0.2, 0.5))
    assert untargeted == pytest.approx({"TOXICITY": 0.7, "SEVERE_TOXICITY": 0.2, "IDENTITY_ATTACK": 0.2})
    targeted = P.attribute_scores(hate_span(0, 5, 0.2, 0.5, ["Women"]))
    assert targeted == pytest.approx({"TOXICITY": 0.7, "SEVERE_TOXICITY": 0.2, "IDENTITY_ATTACK": 0.7})


def test_summary_is_the_worst_sentence_and_spans_keep_offsets() -> None:
    text = "Fine words here. 😀 Nasty words there."
    doc = Document(text=text, language="en")
    doc.add("hate", hate_span(0, 16, 0.01, 0.04))
    doc.add("hate", hate_span(19, 37, 0.6, 0.3, ["Refugee"]))
    checked = P.CheckedRequest(text, {"TOXICITY": None, "IDENTITY_ATTACK": None, "SEVERE_TOXICITY": 0.9},
                               None, True, None)
    response = P.build_response(checked, doc)
    scores = response["attributeScores"]
    assert set(scores) == {"TOXICITY", "IDENTITY_ATTACK"}  # SEVERE_TOXICITY 0.6 < its threshold 0.9
    assert scores["TOXICITY"]["summaryScore"] == {"value": pytest.approx(0.9), "type": "PROBABILITY"}
    spans = scores["TOXICITY"]["spanScores"]
    # offsets in UTF-16 code units, as Perspective and JavaScript count: the emoji before span 2 counts two
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 16), (20, 38)]
    utf16 = text.encode("utf-16-le")
    assert utf16[2 * spans[1]["begin"] : 2 * spans[1]["end"]].decode("utf-16-le") == "Nasty words there."
    assert response["languages"] == ["en"] and response["detectedLanguages"] == ["en"]
    assert "clientToken" not in response


def test_no_span_scores_zero() -> None:
    checked = P.CheckedRequest("...", {"TOXICITY": None}, ["en"], False, "x")
    response = P.build_response(checked, Document(text="...", language="en"))
    zero = {"summaryScore": {"value": 0.0, "type": "PROBABILITY"}}
    assert response == {"attributeScores": {"TOXICITY": zero}, "languages": ["en"], "clientToken": "x"}


# -- with the model ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_client() -> Iterator[TestClient]:
    with TestClient(create_app(Options())) as c:
        yield c


@pytest.mark.model
def test_scores_follow_the_hate_layer(model_client: TestClient) -> None:
    """The endpoint's numbers are the hate layer's, read through the documented derivation."""
    text = "Those immigrants are vermin and should be thrown out. The port reopened on Tuesday."
    body = {"comment": {"text": text}, "spanAnnotations": True,
            "requestedAttributes": {name: {} for name in P.SCORED_ATTRIBUTES}}
    response = model_client.post(URL, json=body).json()
    layer = model_client.post("/v1/analyze", json={"text": text, "stages": list(P.STAGES)}).json()
    spans = layer["layers"]["hate"]
    for name in P.SCORED_ATTRIBUTES:
        got = response["attributeScores"][name]
        expected = [P.attribute_scores(Span(s["start"], s["end"], s["label"], s["score"], s["attrs"]))[name]
                    for s in spans]
        assert [(x["begin"], x["end"]) for x in got["spanScores"]] == [(s["start"], s["end"]) for s in spans]
        assert [x["score"]["value"] for x in got["spanScores"]] == pytest.approx(expected, abs=1e-6)
        assert got["summaryScore"]["value"] == pytest.approx(max(expected), abs=1e-6)


@pytest.mark.model
def test_detected_language_other_than_english(model_client: TestClient) -> None:
    text = "Der Stadtrat hat am Dienstag über den neuen Hafen und die Gebühren für die Schiffe gesprochen."
    error = google_error(model_client.post(URL, json=request(text)))
    detail = error["details"][0]["languageNotSupportedByAttributeError"]
    assert detail == {"attribute": "TOXICITY", "detectedLanguages": ["de"]}
    # with the language named, the caller's word is taken
    response = model_client.post(URL, json=request(text, languages=["en"]))
    assert response.status_code == 200 and response.json()["languages"] == ["en"]


@pytest.mark.model
def test_markup_in_plain_text_keeps_offsets(model_client: TestClient) -> None:
    text = "<b>You are</b> wrong. <script>alert(1)</script> Read the report."
    body = {"comment": {"text": text}, "spanAnnotations": True, "requestedAttributes": {"TOXICITY": {}}}
    spans = model_client.post(URL, json=body).json()["attributeScores"]["TOXICITY"]["spanScores"]
    assert spans and all(0 <= s["begin"] < s["end"] <= len(text) for s in spans)
    assert text[spans[0]["begin"] : spans[0]["end"]].startswith("<b>You are</b>")


def test_without_the_hate_model_the_endpoint_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    from unspun.stages.hate import HateStage

    monkeypatch.setattr(HateStage, "available", classmethod(lambda cls: False))
    options = Options(stages=FAST_STAGES, max_input_bytes=123_456)  # options no earlier test cached
    with TestClient(create_app(options)) as c:
        error = google_error(c.post(URL, json=request()), 503)
        assert error["status"] == "UNAVAILABLE" and "'hate' cannot run here" in error["message"]
        assert c.post("/v1/analyze", json={"text": "The rest still works."}).status_code == 200

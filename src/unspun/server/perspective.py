"""Perspective API compatibility: `comments:analyze` requests and responses, scored from the hate layer.

The comment is analysed as one plain-text document by the stages the hate layer needs (structure,
sentences, encode, hate), batched with other requests. The hate layer reads it sentence by sentence and gives
each sentence p(hate), p(offensive), p(normal) and, when it is not normal, the groups it targets. From these:

- ``TOXICITY`` = 1 − p(normal): the probability that the sentence is hateful or offensive (the score the
  hate layer's own toxicity threshold is applied to).
- ``SEVERE_TOXICITY`` = p(hate): hate speech (HateXplain's top class), not mere rudeness or swearing.
- ``IDENTITY_ATTACK`` = 1 − p(normal) where the hate layer names a target group for the sentence (a toxic
  sentence aimed at an identity), p(hate) where it names none.

A span score is a sentence's; the summary score of the comment is its highest-scoring sentence's (a comment
is as toxic as its worst sentence). `docs/PERSPECTIVE.md` gives the reasons and the calibration check
(`tools/perspective_calibration.py`). Other Perspective attributes (INSULT, PROFANITY, THREAT, …) cannot be
scored honestly from these heads and get Perspective's own error for an attribute that does not support
the request's language; languages other than English get it too. Nothing sent is ever stored.

Span offsets (``begin``/``end``) count UTF-16 code units of ``comment.text``, as Perspective's (and
JavaScript's string indices) do: a character outside the Basic Multilingual Plane (most emoji) counts two.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from unspun.document import HATE, Document, Span

#: the stages that the scores need, in order
STAGES: tuple[str, ...] = ("structure", "sentences", "encode", "hate")
#: Perspective's limit on comment.text: 20 KB of UTF-8
MAX_TEXT_BYTES = 20 * 1024
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en",)
PROBABILITY = "PROBABILITY"
#: score types that mean probability (unset is probability too)
PROBABILITY_TYPES = frozenset({PROBABILITY, "SCORE_TYPE_UNSPECIFIED"})
PLAIN_TEXT_TYPES = frozenset({"PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"})
TOXICITY = "TOXICITY"
SEVERE_TOXICITY = "SEVERE_TOXICITY"
IDENTITY_ATTACK = "IDENTITY_ATTACK"
SCORED_ATTRIBUTES: tuple[str, ...] = (TOXICITY, SEVERE_TOXICITY, IDENTITY_ATTACK)
#: Perspective's other attributes (production, experimental, bridging): known names that we do not score;
#: requesting one gets the error Perspective gives for an attribute without the request's language
UNSCORED_ATTRIBUTES = frozenset({
    "INSULT", "PROFANITY", "THREAT", "SEXUALLY_EXPLICIT", "FLIRTATION",
    "TOXICITY_EXPERIMENTAL", "SEVERE_TOXICITY_EXPERIMENTAL", "IDENTITY_ATTACK_EXPERIMENTAL",
    "INSULT_EXPERIMENTAL", "PROFANITY_EXPERIMENTAL", "THREAT_EXPERIMENTAL",
    "ATTACK_ON_AUTHOR", "ATTACK_ON_COMMENTER", "INCOHERENT", "INFLAMMATORY", "LIKELY_TO_REJECT", "OBSCENE",
    "SPAM", "UNSUBSTANTIAL",
    "AFFINITY_EXPERIMENTAL", "COMPASSION_EXPERIMENTAL", "CURIOSITY_EXPERIMENTAL", "NUANCE_EXPERIMENTAL",
    "PERSONAL_STORY_EXPERIMENTAL", "REASONING_EXPERIMENTAL", "RESPECT_EXPERIMENTAL",
})
#: the "@type" of Perspective's error details
ERROR_DETAIL_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


# -- the request, as the real API and Google's clients send it (camelCase; proto names accepted too) ------


def _field(camel: str, snake: str, default: Any = None, description: str = "") -> Any:
    return Field(default, validation_alias=AliasChoices(camel, snake), serialization_alias=camel,
                 description=description)


class TextEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str | None = Field(None, description="The text (at most 20 KB of UTF-8 for the comment).")
    type: str | None = Field(None, description="PLAIN_TEXT (the default) or HTML.")


class AttributeParameters(BaseModel):
    model_config = ConfigDict(extra="ignore")
    score_type: str | None = _field("scoreType", "score_type", description="PROBABILITY (the only type).")
    score_threshold: float | None = _field("scoreThreshold", "score_threshold",
                                           description="Scores below this are left out of the response.")


class AnalyzeCommentRequest(BaseModel):
    """Perspective's AnalyzeCommentRequest. `context`, `sessionId`, `communityId` are accepted and unused;
    `doNotStore` is accepted and always true in effect: nothing is stored."""

    model_config = ConfigDict(extra="ignore")
    comment: TextEntry | None = None
    context: dict[str, Any] | None = None
    requested_attributes: dict[str, AttributeParameters | None] | None = _field(
        "requestedAttributes", "requested_attributes",
        description="Attribute name -> parameters: TOXICITY, SEVERE_TOXICITY, IDENTITY_ATTACK.")
    languages: list[str] | None = None
    do_not_store: bool | None = _field("doNotStore", "do_not_store")
    client_token: str | None = _field("clientToken", "client_token")
    session_id: str | None = _field("sessionId", "session_id")
    community_id: str | None = _field("communityId", "community_id")
    span_annotations: bool | None = _field("spanAnnotations", "span_annotations")
    drop_unsupported_attributes: bool | None = _field("dropUnsupportedAttributes",
                                                      "drop_unsupported_attributes")


# -- errors in Google's shape ----------------------------------------------------------------------------


class PerspectiveError(Exception):
    """An error answered in the Google API shape: {"error": {code, message, status, details}}."""

    def __init__(self, message: str, *, http_status: int = 400, status: str = "INVALID_ARGUMENT",
                 error_type: str | None = None, detail: dict[str, Any] | None = None,
                 details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.status = status
        self.headers = headers or {}
        if details is None:
            details = []
            if error_type is not None:
                details.append({"@type": ERROR_DETAIL_TYPE, "errorType": error_type, **(detail or {})})
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.http_status, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def language_not_supported(attribute: str, requested: list[str] | None,
                           detected: list[str] | None) -> PerspectiveError:
    languages = requested or detected or []
    detail: dict[str, Any] = {"attribute": attribute}
    if requested:
        detail["requestedLanguages"] = list(requested)
    if detected:
        detail["detectedLanguages"] = list(detected)
    return PerspectiveError(
        f"Attribute {attribute} does not support request languages: {', '.join(languages)}",
        error_type="LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        detail={"languageNotSupportedByAttributeError": detail},
    )


def invalid(message: str, error_type: str = "INVALID_REQUEST") -> PerspectiveError:
    return PerspectiveError(message, error_type=error_type)


# -- checking a request ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedRequest:
    """A request that passed the checks: what to analyse and what to answer."""

    text: str
    attributes: dict[str, float | None]  # attribute -> score threshold
    languages: list[str] | None  # as requested (None: detect)
    spans: bool
    client_token: str | None
    #: leave out what we cannot score instead of refusing (dropUnsupportedAttributes)
    drop_unsupported: bool = False


def primary_language(tag: str) -> str:
    """``"en"`` of ``"en"``, ``"en-US"``, ``"EN_gb"`` (ISO 639-1 and BCP-47 tags are both accepted)."""
    return tag.replace("_", "-").split("-", 1)[0].strip().lower()


def check_request(req: AnalyzeCommentRequest) -> CheckedRequest:
    """Validate a request the way Perspective does; raises `PerspectiveError`."""
    text = req.comment.text if req.comment is not None else None
    if not text or not text.strip():
        raise invalid("Comment must be non-empty.", "COMMENT_EMPTY")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise invalid(f"Comment text too long (at most {MAX_TEXT_BYTES} bytes of UTF-8).", "COMMENT_TOO_LONG")
    text_type = (req.comment.type if req.comment is not None else None) or "PLAIN_TEXT"
    if text_type not in PLAIN_TEXT_TYPES:
        if text_type == "HTML":
            raise invalid("Currently, only 'PLAIN_TEXT' comments are supported")
        raise invalid(f"Unknown text type: {text_type}")
    if not req.requested_attributes:
        raise invalid("Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES")
    requested_languages = [t for t in (req.languages or []) if t.strip()] or None
    attributes: dict[str, float | None] = {}
    for name, params in req.requested_attributes.items():
        if name not in SCORED_ATTRIBUTES:
            if name not in UNSCORED_ATTRIBUTES:
                raise invalid(f"Unknown requested attribute: {name}")
            if req.drop_unsupported_attributes:
                continue
            raise language_not_supported(name, requested_languages or ["en"], None)
        params = params or AttributeParameters()
        if params.score_type is not None and params.score_type not in PROBABILITY_TYPES:
            raise invalid(f"Requested score type {params.score_type} is not supported by attribute {name}")
        attributes[name] = params.score_threshold
    if requested_languages:
        unsupported = [t for t in requested_languages if primary_language(t) not in SUPPORTED_LANGUAGES]
        if unsupported and not req.drop_unsupported_attributes:
            raise language_not_supported(next(iter(attributes), TOXICITY), requested_languages, None)
        if unsupported:
            attributes = {}
    if not attributes and not req.drop_unsupported_attributes:
        raise invalid("Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES")
    return CheckedRequest(text, attributes, requested_languages, bool(req.span_annotations),
                          req.client_token, bool(req.drop_unsupported_attributes))


# -- scores ------------------------------------------------------------------------------------------------


def attribute_scores(span: Span) -> dict[str, float]:
    """The Perspective attributes of one hate span (a sentence), from its class probabilities and targets."""
    probs = span.attrs.get("scores") or {}
    p_hate = float(probs.get("hate", 0.0))
    toxic = 1.0 - float(probs.get("normal", 1.0))
    toxic = min(1.0, max(0.0, toxic))
    named = bool(span.attrs.get("targets"))
    return {TOXICITY: toxic, SEVERE_TOXICITY: p_hate, IDENTITY_ATTACK: toxic if named else p_hate}


def document_scores(doc: Document) -> tuple[dict[str, float], list[tuple[Span, dict[str, float]]]]:
    """(summary score per attribute, the scores of each hate span) of an analysed comment.

    The summary is the highest span score; a comment with no span (nothing the encoder could read, e.g.
    only punctuation) scores 0."""
    spans = [(span, attribute_scores(span)) for span in doc.layers.get(HATE, []) if span.end > span.start]
    summary = {name: max((scores[name] for _, scores in spans), default=0.0) for name in SCORED_ATTRIBUTES}
    return summary, spans


def utf16_index(text: str) -> Callable[[int], int]:
    """Maps a Python string index of `text` to its UTF-16 code-unit index (astral characters count two)."""
    astral = [i for i, c in enumerate(text) if ord(c) > 0xFFFF]
    return lambda i: i + bisect_left(astral, i)


def _score(value: float) -> dict[str, Any]:
    return {"value": round(float(value), 7), "type": PROBABILITY}


def build_response(checked: CheckedRequest, doc: Document | None) -> dict[str, Any]:
    """The AnalyzeCommentResponse of an analysed comment (None: nothing was left to score)."""
    summary, spans = document_scores(doc) if doc is not None else ({}, [])
    scores: dict[str, Any] = {}
    for name, threshold in checked.attributes.items() if doc is not None else ():
        if threshold is not None and summary[name] < threshold:
            continue
        entry: dict[str, Any] = {}
        if checked.spans and doc is not None:
            unit = utf16_index(doc.text)
            entry["spanScores"] = [{"begin": unit(span.start), "end": unit(span.end),
                                    "score": _score(values[name])} for span, values in spans]
        entry["summaryScore"] = _score(summary[name])
        scores[name] = entry
    response: dict[str, Any] = {"attributeScores": scores}
    if checked.languages:
        response["languages"] = list(checked.languages)
    elif doc is not None:
        response["languages"] = [doc.language or "en"]
        response["detectedLanguages"] = [doc.language or "en"]
    if checked.client_token is not None:
        response["clientToken"] = checked.client_token
    return response


def detected_unsupported(checked: CheckedRequest, doc: Document) -> bool:
    """Whether the comment was detected in a language we do not score (the request named no language);
    raises Perspective's error for it unless the request drops unsupported attributes."""
    from unspun.language import runs_english_layers

    # a comment in which English is plausible is scored: a misdetected language must not be a way around it
    if checked.languages is not None or doc.language in SUPPORTED_LANGUAGES or runs_english_layers(doc):
        return False
    if checked.drop_unsupported:
        return True
    raise language_not_supported(next(iter(checked.attributes), TOXICITY), None, [doc.language or "und"])

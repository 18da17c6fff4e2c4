"""The rows bench stores, typed and defined once: their fields are the Parquet columns.

`ResponseRow`, `AttemptRow` and `GradeRow` are frozen dataclasses rather than pydantic models
because one of each is built per request on the hot path; every field is required, so a row
built with a misspelled or a missing field raises `TypeError` where it is built, instead of
becoming an all-null column. The pinned Parquet schemas (`results/schema.py`) and
docs/results.md are derived from these fields and their docs.

Journal lines from older versions lack the columns added since; `from_json` fills exactly
those (`ADDED`) with null and refuses anything else unknown or missing.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal

Purpose = Literal["bench", "judge", "check"]
"""Why a model was called: a benchmark job, a judge grading an answer, a provider check."""


def col(doc: str, *, timestamp: bool = False) -> Any:
    """A column: its doc, and whether the float of epoch seconds is stored as a timestamp."""
    return field(metadata={"doc": doc, "timestamp": timestamp})


class Record:
    """What the three row types share: a dict form for the journal, and a strict reader."""

    __slots__ = ()
    NAMES: ClassVar[tuple[str, ...]]
    NAMESET: ClassVar[frozenset[str]]
    ADDED: ClassVar[frozenset[str]] = frozenset()
    """Columns added after schema version 1; an older journal line may lack them."""
    TYPES: ClassVar[tuple[tuple[str, frozenset[type]], ...]]
    """Each field's JSON value types (null is always accepted, as Parquet accepts it)."""
    LISTS: ClassVar[tuple[str, ...]]
    """Fields holding lists of strings."""

    def to_json(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in self.NAMES}

    @classmethod
    def checked(cls, data: dict[str, Any]) -> dict[str, Any]:
        """A journal line's row, its fields checked by name and JSON type: an unknown field, a
        missing one that is not among those added since schema version 1 (filled with null),
        or a value of the wrong type is an error, so a damaged line is skipped where it is
        read instead of failing the Parquet write (or a sum) later."""
        if data.keys() != cls.NAMESET:
            unknown = data.keys() - cls.NAMESET
            if unknown:
                raise ValueError(f"unknown {cls.__name__} field {sorted(unknown)[0]!r}")
            missing = [n for n in cls.NAMES if n not in data]
            if any(n not in cls.ADDED for n in missing):
                raise ValueError(f"{cls.__name__} lacks field {missing[0]!r}")
            data = data | dict.fromkeys(missing)
        for name, ok in cls.TYPES:
            if type(data[name]) not in ok:
                raise ValueError(f"{cls.__name__}.{name}: {type(data[name]).__name__} value")
        for name in cls.LISTS:
            if data[name] is not None and any(type(v) is not str for v in data[name]):
                raise ValueError(f"{cls.__name__}.{name}: a list of strings is expected")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Any:
        return cls(**cls.checked(data))


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


_JSON_TYPES: dict[object, frozenset[type]] = {
    str: frozenset({str}),
    int: frozenset({int}),
    float: frozenset({int, float}),  # (a float field set from an int is written as one)
    bool: frozenset({bool}),
}


def _types(cls: type) -> tuple[tuple[str, frozenset[type]], ...]:
    """(field, accepted JSON value types) per field, from the type hints."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in fields(cls):
        hint = hints[f.name]
        if isinstance(hint, types.UnionType):
            (hint,) = (a for a in typing.get_args(hint) if a is not type(None))
        ok = frozenset({list}) if typing.get_origin(hint) is list else _JSON_TYPES[hint]
        out.append((f.name, ok | {type(None)}))
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseRow(Record):
    """One job: item × endpoint × model × repeat, with its final answer or failure."""

    run_id: str = col("Run this row belongs to.")
    job_id: str = col("Stable id of item × endpoint × model × repeat; the resume key.")
    case_id: str = col("Suite item id.")
    repeat: int = col("Repeat number, from 0.")
    model: str = col("Model reference as the user wrote it (vendor[@endpoint]:model).")
    vendor: str = col("Catalog vendor id.")
    endpoint: str = col("Catalog endpoint id of the vendor (region or protocol variant).")
    region: str = col("Where the endpoint serves from, as the vendor names it.")
    host: str | None = col("Host of the base URL the request went to.")
    hq: str = col("Vendor headquarters country (ISO code).")
    family: str | None = col("Model family (one set of open weights) of a --family run.")
    family_host: str | None = col(
        "The family's host this row stands for (first-party, or the host's name)."
    )
    protocol: str = col("Wire protocol spoken: openai_chat, anthropic_messages or gemini.")
    model_requested: str = col("Model name sent in the request.")
    model_reported: str | None = col("Model name the vendor reported back (null if none).")
    response_id: str | None = col("Vendor's response id.")
    system_fingerprint: str | None = col("Vendor's system_fingerprint, when sent.")
    upstream_provider: str | None = col("Upstream provider an aggregator reports it routed to.")
    lang: str = col("Item language (en, zh, ...).")
    category: str = col("Item topic.")
    tags: list[str] = col(
        "Item tags; the suite's `sensitivity` declares which of them group the report."
    )
    form: str | None = col("Item form: question, essay, satire or instruction.")
    pair_id: str | None = col("Id of the same item in another language.")
    mirror_id: str | None = col("Id of the item's China/US mirror.")
    system: str | None = col("System prompt sent, if any.")
    prompt: str = col("User prompt sent.")
    text: str = col("Answer text (partial text kept for withdrawn answers).")
    reasoning: str = col("Reasoning/thinking text, kept apart from the answer.")
    outcome: str = col("Transport outcome: ok, api_block, withdrawn, truncated, empty or error.")
    block: str | None = col("Catalog moderation signature matched (api_block and withdrawn rows).")
    finish_reason: str | None = col("Finish/stop reason as the vendor sent it.")
    http_status: int | None = col("HTTP status of the final attempt (null if no response).")
    error_kind: str | None = col(
        "Failure kind of the final attempt for error rows (rate_limit, timeout, ...)."
    )
    error_body: str | None = col("Raw error or moderation body, truncated to 20,000 characters.")
    input_tokens: int | None = col("Prompt tokens as reported, including cached tokens.")
    output_tokens: int | None = col("Completion tokens as reported, including reasoning tokens.")
    reasoning_tokens: int | None = col("Reasoning tokens as reported (part of output_tokens).")
    cached_tokens: int | None = col("Cached prompt tokens as reported (part of input_tokens).")
    ttft_s: float | None = col("Seconds from sending to the first streamed token of any kind.")
    ttfat_s: float | None = col("Seconds from sending to the first answer (non-reasoning) token.")
    e2e_s: float | None = col("Seconds from sending to the end of the final attempt.")
    tpot_s: float | None = col(
        "(e2e - ttft) / (output_tokens - 1): seconds per output token after the first."
    )
    output_tps: float | None = col("Output tokens per second after the first token.")
    chars_per_s: float | None = col("Answer+reasoning characters per second after the first token.")
    cost_usd: float | None = col("Cost of the row in USD; null when the model is unpriced.")
    cost_original: float | None = col("Cost in the currency the vendor bills in (price_currency).")
    price_input: float | None = col("Input price applied, per million tokens, in price_currency.")
    price_output: float | None = col("Output price applied, per million tokens, in price_currency.")
    price_cached: float | None = col(
        "Cached-input price applied, per million tokens, in price_currency."
    )
    price_currency: str | None = col("Currency of the list price (USD or CNY).")
    price_source: str | None = col("Where the price came from, with price_checked its date.")
    price_checked: str | None = col("Date the price was checked.")
    price_tier: str | None = col(
        "Input-length tier applied (e.g. >32000), when the price has tiers."
    )
    dropped_params: list[str] = col("Suite params not sent because the vendor rejects them.")
    attempts: int = col(
        "HTTP attempts made for this job (1 = no retry; 0 = served from the cache)."
    )
    started_at: float = col("Wall-clock start of the final attempt (UTC).", timestamp=True)
    simulated: bool = col("True when the answer came from the built-in simulator.")
    cache_key: str | None = col(
        "Hash of endpoint, model, messages, params and repeat: the --cache key."
    )
    cached: bool | None = col(
        "True when the row was copied from an earlier run by --cache (no request "
        "sent; never counts for latency)."
    )
    latency_suspect: bool | None = col(
        "True when one of the final attempt's clock readings (start, first tokens, end) was "
        "taken while bench's own event loop ran late past the threshold, so its latency may "
        "include our queueing."
    )

    ADDED: ClassVar[frozenset[str]] = frozenset(
        {"cache_key", "cached", "latency_suspect", "cost_original", "price_tier"}
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptRow(Record):
    """One HTTP attempt of any call: benchmark jobs, judges and provider checks alike."""

    run_id: str = col("Run this attempt belongs to.")
    job_id: str = col("Job the attempt served (for a judge: the job whose answer it judged).")
    attempt: int = col("Attempt number within the call, from 1.")
    vendor: str = col("Catalog vendor id.")
    endpoint: str = col("Catalog endpoint id.")
    model: str = col("Model reference as written.")
    started_at: float = col("Wall-clock start (UTC).", timestamp=True)
    status: int | None = col("HTTP status (null when no response arrived).")
    kind: str = col("ok for an answer (including blocks), else the failure kind.")
    message: str | None = col("Failure message (no secrets).")
    retry_after_s: float | None = col("Retry-After the vendor asked for, in seconds.")
    e2e_s: float = col("Seconds the attempt took.")
    ttft_s: float | None = col("Seconds to the first token, when one arrived.")
    purpose: str | None = col(
        "Why the model was called: bench (a benchmark job), judge (grading an answer) or "
        "check; null in runs written before schema version 3 (all bench)."
    )
    cost_usd: float | None = col(
        "What the attempt cost in USD when it returned an answer (null: failed or unpriced); "
        "judge spend counts in the run's budget."
    )

    ADDED: ClassVar[frozenset[str]] = frozenset({"purpose", "cost_usd"})


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeRow(Record):
    """One grader's verdict on one response."""

    run_id: str = col("Run the graded response belongs to.")
    job_id: str = col("Job (response) graded.")
    case_id: str = col("Suite item id.")
    model: str = col("Model reference of the response.")
    grader: str = col(
        "refusal (final), refusal_classifier, refusal_judge, facts, quality or identity."
    )
    grader_version: str = col("Version of the rules or judge prompt that produced the grade.")
    judge_model: str | None = col("The judge model, for judge grades.")
    label: str = col(
        "refusal: complete/refusal/evasive/narrative or the transport outcome; "
        "quality: pass/fail/ungraded; identity: the maker claimed; judge_error."
    )
    score: float | None = col(
        "quality: share of checks passed; refusal: 1 for complete, else 0; facts: the fact "
        "coverage, share of the item's documented fact groups the answer gives (0-1)."
    )
    passed: bool | None = col("quality: all checks passed; identity: claimed its own maker.")
    confidence: float | None = col(
        "How sure the classifier is (0-1, calibrated on held-out data); null for judges."
    )
    source: str | None = col(
        "Who decided a refusal label: transport (the outcome), classifier, judge, "
        "or judges (a majority of three)."
    )
    unsure: bool | None = col(
        "refusal: the label is the best guess of an unsure classifier with no judge to ask, "
        "or of judges that disagreed; reports count these apart."
    )
    rationale: str | None = col("One line on why.")
    graded_at: float = col("When the grade was made (UTC).", timestamp=True)

    ADDED: ClassVar[frozenset[str]] = frozenset({"source", "unsure"})


for _cls in (ResponseRow, AttemptRow, GradeRow):
    _cls.NAMES = _names(_cls)
    _cls.NAMESET = frozenset(_cls.NAMES)
    _cls.TYPES = _types(_cls)
    _cls.LISTS = tuple(n for n, ok in _cls.TYPES if list in ok)


@dataclass(frozen=True, slots=True)
class JournalRecord:
    """One journal line: a finished job's row and its attempts, or a judge's attempts alone."""

    row: ResponseRow | None
    attempts: tuple[AttemptRow, ...]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"attempts": [a.to_json() for a in self.attempts]}
        if self.row is not None:
            out["row"] = self.row.to_json()
        return out

    @classmethod
    def from_json(cls, data: Any) -> JournalRecord:
        if not isinstance(data, dict):
            raise ValueError("a journal line must be an object")
        row = data.get("row")
        attempts = data.get("attempts") or []
        return cls(
            ResponseRow.from_json(row) if row is not None else None,
            tuple(AttemptRow.from_json(a) for a in attempts),
        )


__all__ = ["AttemptRow", "GradeRow", "JournalRecord", "Purpose", "Record", "ResponseRow", "col"]

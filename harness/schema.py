"""Pinned Parquet schemas of the results store, with a doc string for every column.

Readers accept every older schema version; a change that is not purely additive bumps
SCHEMA_VERSION. docs/results.md is written from these docs (a test keeps them in step).
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 2
"""1: first release. 2: adds cache_key, cached, latency_suspect, cost_original, price_tier
(v1 rows read them as null)."""

_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
_TS = pa.timestamp("us", tz="UTC")
_LS = pa.list_(pa.string())

RESPONSE_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("run_id", _S, "Run this row belongs to."),
    ("job_id", _S, "Stable id of item × endpoint × model × repeat; the resume key."),
    ("case_id", _S, "Suite item id."),
    ("repeat", _I, "Repeat number, from 0."),
    ("model", _S, "Model reference as the user wrote it (vendor[@endpoint]:model)."),
    ("vendor", _S, "Catalog vendor id."),
    ("endpoint", _S, "Catalog endpoint id of the vendor (region or protocol variant)."),
    ("region", _S, "Where the endpoint serves from, as the vendor names it."),
    ("host", _S, "Host of the base URL the request went to."),
    ("hq", _S, "Vendor headquarters country (ISO code)."),
    ("protocol", _S, "Wire protocol spoken: openai_chat, anthropic_messages or gemini."),
    ("model_requested", _S, "Model name sent in the request."),
    ("model_reported", _S, "Model name the vendor reported back (null if none)."),
    ("response_id", _S, "Vendor's response id."),
    ("system_fingerprint", _S, "Vendor's system_fingerprint, when sent."),
    ("upstream_provider", _S, "Upstream provider an aggregator reports it routed to."),
    ("lang", _S, "Item language (en, zh, ...)."),
    ("category", _S, "Item topic."),
    ("tags", _LS, "Item tags (sensitivity: cn_sensitive, us_sensitive, benign_control)."),
    ("form", _S, "Item form: question, essay, satire or instruction."),
    ("pair_id", _S, "Id of the same item in another language."),
    ("mirror_id", _S, "Id of the item's China/US mirror."),
    ("system", _S, "System prompt sent, if any."),
    ("prompt", _S, "User prompt sent."),
    ("text", _S, "Answer text (partial text kept for withdrawn answers)."),
    ("reasoning", _S, "Reasoning/thinking text, kept apart from the answer."),
    ("outcome", _S, "Transport outcome: ok, api_block, withdrawn, truncated, empty or error."),
    ("block", _S, "Catalog moderation signature matched (api_block and withdrawn rows)."),
    ("finish_reason", _S, "Finish/stop reason as the vendor sent it."),
    ("http_status", _I, "HTTP status of the final attempt (null if no response)."),
    (
        "error_kind",
        _S,
        "Failure kind of the final attempt for error rows (rate_limit, timeout, ...).",
    ),
    ("error_body", _S, "Raw error or moderation body, truncated to 20,000 characters."),
    ("input_tokens", _I, "Prompt tokens as reported, including cached tokens."),
    ("output_tokens", _I, "Completion tokens as reported, including reasoning tokens."),
    ("reasoning_tokens", _I, "Reasoning tokens as reported (part of output_tokens)."),
    ("cached_tokens", _I, "Cached prompt tokens as reported (part of input_tokens)."),
    ("ttft_s", _F, "Seconds from sending to the first streamed token of any kind."),
    ("ttfat_s", _F, "Seconds from sending to the first answer (non-reasoning) token."),
    ("e2e_s", _F, "Seconds from sending to the end of the final attempt."),
    ("tpot_s", _F, "(e2e - ttft) / (output_tokens - 1): seconds per output token after the first."),
    ("output_tps", _F, "Output tokens per second after the first token."),
    ("chars_per_s", _F, "Answer+reasoning characters per second after the first token."),
    ("cost_usd", _F, "Cost of the row in USD; null when the model is unpriced."),
    ("cost_original", _F, "Cost in the currency the vendor bills in (price_currency)."),
    ("price_input", _F, "Input price applied, per million tokens, in price_currency."),
    ("price_output", _F, "Output price applied, per million tokens, in price_currency."),
    ("price_cached", _F, "Cached-input price applied, per million tokens, in price_currency."),
    ("price_currency", _S, "Currency of the list price (USD or CNY)."),
    ("price_source", _S, "Where the price came from, with price_checked its date."),
    ("price_checked", _S, "Date the price was checked."),
    ("price_tier", _S, "Input-length tier applied (e.g. >32000), when the price has tiers."),
    ("dropped_params", _LS, "Suite params not sent because the vendor rejects them."),
    ("attempts", _I, "HTTP attempts made for this job (1 = no retry; 0 = served from the cache)."),
    ("started_at", _TS, "Wall-clock start of the final attempt (UTC)."),
    ("simulated", _B, "True when the answer came from the built-in simulator."),
    ("cache_key", _S, "Hash of endpoint, model, messages, params and repeat: the --cache key."),
    (
        "cached",
        _B,
        "True when the row was copied from an earlier run by --cache (no request "
        "sent; never counts for latency).",
    ),
    (
        "latency_suspect",
        _B,
        "True when bench's own event loop lagged past the threshold during "
        "the final attempt, so its latency includes our queueing.",
    ),
]

ATTEMPT_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("run_id", _S, "Run this attempt belongs to."),
    ("job_id", _S, "Job the attempt served."),
    ("attempt", _I, "Attempt number within the job, from 1."),
    ("vendor", _S, "Catalog vendor id."),
    ("endpoint", _S, "Catalog endpoint id."),
    ("model", _S, "Model reference as written."),
    ("started_at", _TS, "Wall-clock start (UTC)."),
    ("status", _I, "HTTP status (null when no response arrived)."),
    ("kind", _S, "ok for an answer (including blocks), else the failure kind."),
    ("message", _S, "Failure message (no secrets)."),
    ("retry_after_s", _F, "Retry-After the vendor asked for, in seconds."),
    ("e2e_s", _F, "Seconds the attempt took."),
    ("ttft_s", _F, "Seconds to the first token, when one arrived."),
]


GRADE_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("run_id", _S, "Run the graded response belongs to."),
    ("job_id", _S, "Job (response) graded."),
    ("case_id", _S, "Suite item id."),
    ("model", _S, "Model reference of the response."),
    ("grader", _S, "refusal (final), refusal_rules, refusal_judge, quality or identity."),
    ("grader_version", _S, "Version of the rules or judge prompt that produced the grade."),
    ("judge_model", _S, "The judge model, for judge grades."),
    (
        "label",
        _S,
        "refusal: complete/refusal/evasive/narrative or the transport outcome; "
        "quality: pass/fail/ungraded; identity: the maker claimed; judge_error.",
    ),
    ("score", _F, "quality: share of checks passed; refusal: 1 for complete, else 0."),
    ("passed", _B, "quality: all checks passed; identity: claimed its own maker."),
    ("confidence", _F, "How sure the deterministic classifier is (0-1); null for judges."),
    ("rationale", _S, "One line on why."),
    ("graded_at", _TS, "When the grade was made (UTC)."),
]


def _schema(columns: list[tuple[str, pa.DataType, str]], table: str) -> pa.Schema:
    fields = [pa.field(n, t, metadata={"doc": d}) for n, t, d in columns]
    return pa.schema(
        fields, metadata={"bench.table": table, "bench.schema_version": str(SCHEMA_VERSION)}
    )


RESPONSES = _schema(RESPONSE_COLUMNS, "responses")
ATTEMPTS = _schema(ATTEMPT_COLUMNS, "attempts")
GRADES = _schema(GRADE_COLUMNS, "grades")

SCHEMAS = {"responses": RESPONSES, "attempts": ATTEMPTS, "grades": GRADES}


def table_kind(table: pa.Table) -> str | None:
    meta = table.schema.metadata or {}
    kind = meta.get(b"bench.table")
    return kind.decode() if kind else None


def upgrade(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A table written by any earlier schema version, in the current one: columns added since
    are null, columns are in the current order; unknown extra columns are kept at the end."""
    columns, names = [], []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
        names.append(field.name)
    extra = [n for n in table.column_names if n not in names]
    return pa.Table.from_arrays(columns + [table.column(n) for n in extra], names=names + extra)


__all__ = [
    "ATTEMPTS",
    "ATTEMPT_COLUMNS",
    "GRADES",
    "GRADE_COLUMNS",
    "RESPONSES",
    "RESPONSE_COLUMNS",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "table_kind",
    "upgrade",
]

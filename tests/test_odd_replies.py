"""Replies of the wrong shape or odd types, and bench's own bugs, never take a run down.

Valid JSON of the wrong shape ends that request as a `protocol` failure; metadata of odd types
is coerced to its column's type, so the run still ends with readable Parquet; an exception
raised inside one job is that job's `internal` failure, journaled, and the run goes on. Also
here: a huge `--concurrency` allocates no slot per request asked for, and a Retry-After that
is no usable number of seconds is ignored.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import providers
from harness.calls.caller import MAX_SLOTS, Call, Called, Caller, crash_message
from harness.calls.http import Attempt
from harness.calls.limits import Limits
from harness.execute.jobs import Job, expand
from harness.execute.rows import response_row
from harness.pricing.fx import FxRate
from harness.results.records import JournalRecord
from harness.results.store import RunStore
from harness.suites import Item, Suite
from providers import adapter_for, resolve
from providers.base import RETRYABLE, Answer, Failure, Target, Usage, WireRequest
from providers.openai_chat import OpenAIChatAdapter, OpenAIChatParser
from providers.status import failure_for_status, retry_after

from .conftest import Replay, bench, blank_manifest, run_direct
from .replay import SSE, call, serve, sse

KEY = "sk-odd-canary-51c9"


def _parse(ref: str, events: list[Any] | None = None, body: Any = None) -> Answer | Failure:
    """A reply through the protocol's parser: SSE events (objects or raw data) or a body."""
    target = resolve(ref, env={}, require_key=False)
    parser = adapter_for(target).parser(target)
    if body is not None:
        parser.feed_body(body if isinstance(body, bytes) else json.dumps(body).encode())
    for event in events or []:
        parser.feed(None, event if isinstance(event, str) else json.dumps(event))
    return parser.finish()


def _chunk(delta: Any = None, **fields: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": {"content": "Hi"} if delta is None else delta}
    return {"id": "c", "model": "m", "choices": [choice], **fields}


STOP = {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
OPENAI_BODY = {
    "id": "c",
    "model": "m",
    "choices": [{"index": 0, "message": {"content": "Paris."}, "finish_reason": "stop"}],
}
ANTHROPIC_BODY = {
    "id": "m",
    "type": "message",
    "model": "claude",
    "content": [{"type": "text", "text": "Paris."}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 3, "output_tokens": 2},
}
GEMINI_BODY = {
    "candidates": [{"content": {"parts": [{"text": "Paris."}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2},
}

# ------------------------------------------------------------------ wrong shapes: protocol failures

WRONG_SHAPES = [
    ("openai:gpt-5", [{"choices": ["x"]}, STOP], None),
    ("openai:gpt-5", [_chunk(5), STOP], None),
    ("openai:gpt-5", [_chunk({"content": {}}), STOP], None),
    ("openai:gpt-5", [_chunk({"content": ["a"]}), STOP], None),
    ("openai:gpt-5", [_chunk({"reasoning_content": 7}), STOP], None),
    ("openai:gpt-5", [{"choices": {}}, STOP], None),
    ("openai:gpt-5", [{"choices": [{"finish_reason": {"why": 1}}]}], None),
    ("openai:gpt-5", ["[1, 2]", STOP], None),
    ("openai:gpt-5", None, {**OPENAI_BODY, "choices": [{"message": "Paris."}]}),
    ("openai:gpt-5", None, 5),
    ("anthropic:claude-haiku-4-5", None, {**ANTHROPIC_BODY, "content": {}}),
    ("anthropic:claude-haiku-4-5", None, {**ANTHROPIC_BODY, "content": ["x"]}),
    ("anthropic:claude-haiku-4-5", None, {**ANTHROPIC_BODY, "content": [{"type": "text",
                                                                      "text": 5}]}),
    ("anthropic:claude-haiku-4-5", [{"type": "content_block_delta", "delta": 5},
                                    {"type": "message_stop"}], None),
    ("anthropic:claude-haiku-4-5", [{"type": "message_start", "message": []},
                                    {"type": "message_stop"}], None),
    ("gemini:gemini-2.5-flash", None, {**GEMINI_BODY, "candidates": {}}),
    ("gemini:gemini-2.5-flash", None, {**GEMINI_BODY, "candidates": ["x"]}),
    ("gemini:gemini-2.5-flash", None, {"candidates": [{"content": {"parts": {}}}]}),
    ("gemini:gemini-2.5-flash", [{"candidates": [{"content": {"parts": [{"text": []}]},
                                                  "finishReason": "STOP"}]}], None),
    ("gemini:gemini-2.5-flash", [{"promptFeedback": "blocked"}], None),
]  # fmt: skip


@pytest.mark.parametrize(("ref", "events", "body"), WRONG_SHAPES)
def test_wrong_shape_is_a_protocol_failure(ref: str, events: Any, body: Any) -> None:
    result = _parse(ref, events, body)
    assert isinstance(result, Failure), result
    assert result.kind == "protocol" and not result.retryable, result
    assert "protocol" not in RETRYABLE and "internal" not in RETRYABLE


def test_failure_names_where_the_shape_broke() -> None:
    result = _parse("openai:gpt-5", [_chunk(5), STOP])
    assert isinstance(result, Failure)
    assert result.message.endswith("choices[0].delta is a number")


@pytest.mark.parametrize(
    ("ref", "body"),
    [
        ("openai:gpt-5", {**OPENAI_BODY, "usage": "lots"}),
        ("openai:gpt-5", {**OPENAI_BODY, "model": {}, "id": ["c"], "system_fingerprint": {}}),
        ("anthropic:claude-haiku-4-5", {**ANTHROPIC_BODY, "usage": "lots", "model": {}}),
        ("gemini:gemini-2.5-flash", {**GEMINI_BODY, "usageMetadata": [], "modelVersion": {}}),
    ],
)
def test_odd_metadata_is_tolerated(ref: str, body: dict[str, Any]) -> None:
    """Metadata of the wrong type is not reported, and the answer stands."""
    result = _parse(ref, body=body)
    assert isinstance(result, Answer) and result.outcome == "ok" and result.text == "Paris."
    assert result.model_reported is None or isinstance(result.model_reported, str)
    assert result.response_id is None or isinstance(result.response_id, str)


ODD_USAGE = {
    "prompt_tokens": 1e400,  # json.loads reads it as inf
    "completion_tokens": "12",
    "prompt_tokens_details": {"cached_tokens": -3},
    "completion_tokens_details": {"reasoning_tokens": True},
}


def test_odd_token_counts_are_not_reported() -> None:
    body = json.dumps({**OPENAI_BODY, "usage": ODD_USAGE}).replace("Infinity", "1e400")
    result = _parse("openai:gpt-5", body=body.encode())
    assert isinstance(result, Answer) and result.outcome == "ok"
    assert result.usage == Usage()
    ok = _parse("openai:gpt-5", body={**OPENAI_BODY, "usage": {"prompt_tokens": 12.0}})
    assert isinstance(ok, Answer) and ok.usage.input_tokens == 12
    huge = {"input_tokens": 2**63 - 1, "cache_read_input_tokens": 5, "output_tokens": 2**64}
    ans = _parse("anthropic:claude-haiku-4-5", body={**ANTHROPIC_BODY, "usage": huge})
    assert isinstance(ans, Answer)
    assert (ans.usage.input_tokens, ans.usage.output_tokens, ans.usage.cached_tokens) == (
        None,
        None,
        5,
    )


def test_scalar_metadata_is_taken_as_text() -> None:
    result = _parse(
        "openai:gpt-5", body={**OPENAI_BODY, "id": 42, "system_fingerprint": 5, "model": True}
    )
    assert isinstance(result, Answer)
    assert (result.response_id, result.system_fingerprint, result.model_reported) == (
        "42",
        "5",
        "True",
    )


def test_nesting_too_deep_to_parse_is_no_exception() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for ref in ("openai:gpt-5", "anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash"):
        assert isinstance(_parse(ref, [deep]), Failure)
        assert isinstance(_parse(ref, body=deep.encode()), Failure)


async def test_a_chunk_that_crashed_runs_is_a_protocol_failure(replay: Replay) -> None:
    """Through the real timed attempt: `{"choices": ["x"]}` raised AttributeError before."""
    serve(replay, 200, sse(_chunk(), {"choices": ["x"]}, STOP, "[DONE]"), SSE)
    result = await call("openai:gpt-5", replay)
    assert isinstance(result, Failure) and result.kind == "protocol", result


# ------------------------------------------------------------------ whole runs through the CLI


def _suite(tmp_path: Path, n: int = 3) -> Path:
    suite = tmp_path / "s.yaml"
    items = "".join(f"  - {{id: q{i}, prompt: 'odd question {i}'}}\n" for i in range(n))
    suite.write_text(f"name: odd\nitems:\n{items}")
    return suite


def _run(tmp_path: Path, replay: Replay, run_id: str) -> tuple[list[dict], dict]:
    """`bench run` as a user runs it, against the replay server; (rows, manifest)."""
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": replay.url + "/v1"}
    results = tmp_path / "results"
    proc = bench(
        "run",
        str(_suite(tmp_path)),
        "-m",
        "openai:gpt-5",
        "--results",
        str(results),
        "--run-id",
        run_id,
        "--no-progress",
        "--no-grade",
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert KEY not in proc.stdout + proc.stderr
    manifest = json.loads((results / run_id / "manifest.json").read_text())
    parts = sorted((results / run_id).glob("responses-*.parquet"))
    rows = [r for p in parts for r in pq.read_table(p).to_pylist()]
    return rows, manifest


def test_run_with_odd_scalar_types_ends_with_readable_parquet(
    tmp_path: Path, replay: Replay
) -> None:
    body = {
        **OPENAI_BODY,
        "id": {},
        "model": ["x"],
        "system_fingerprint": 5,
        "provider": 3.5,
        "usage": ODD_USAGE,
    }
    serve(replay, 200, json.dumps(body).replace("Infinity", "1e400"))
    rows, manifest = _run(tmp_path, replay, "odd")
    assert manifest["status"] == "finished" and manifest["rows"] == 3
    assert len(rows) == 3
    for row in rows:
        assert (row["outcome"], row["text"]) == ("ok", "Paris.")
        assert (row["response_id"], row["model_reported"]) == (None, None)
        assert (row["system_fingerprint"], row["upstream_provider"]) == ("5", "3.5")
        tokens = ("input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens")
        assert [row[t] for t in tokens] == [None] * 4


def test_run_with_a_chunk_that_crashed_runs_finishes(tmp_path: Path, replay: Replay) -> None:
    serve(replay, 200, sse(_chunk(), {"choices": ["x"]}, STOP, "[DONE]"), SSE)
    rows, manifest = _run(tmp_path, replay, "shape")
    assert manifest["status"] == "finished" and len(rows) == 3
    assert {(r["outcome"], r["error_kind"], r["attempts"]) for r in rows} == {
        ("error", "protocol", 1)
    }
    assert manifest["summary"]["failed_attempts"] == {"protocol": 3}


# ------------------------------------------------------------------ the row boundary


def _job(target: Target, prompt: str = "q") -> Job:
    return expand(Suite(name="t", items=[Item(id="q0", prompt=prompt)]), [target])[0]


def test_rows_coerce_what_no_parser_should_have_let_through(tmp_path: Path) -> None:
    """The last guard: an Answer carrying odd types (as a parser bug would) becomes a row of
    the declared types, journaled and compacted into readable Parquet."""
    target = resolve("openai:gpt-5", env={"OPENAI_API_KEY": KEY})
    job = _job(target)
    odd: Any = Answer(
        outcome="ok",
        text="Paris.",
        finish_reason=7,  # type: ignore[arg-type]
        usage=Usage(math.inf, "12", -3, True),  # type: ignore[arg-type]
        model_reported=["x"],  # type: ignore[arg-type]
        response_id={},  # type: ignore[arg-type]
        system_fingerprint=5,  # type: ignore[arg-type]
    )
    wire = WireRequest("POST", "", {}, {}, False)
    att = Attempt(odd, time.time(), 1.5, 0.5, 0.5, 200)
    call_ = Call(target, job.messages, job.params, job.job_id)
    row = response_row("r", job, Called(call_, wire, [att], None), "k")
    assert (row.finish_reason, row.system_fingerprint) == ("7", "5")
    assert (row.model_reported, row.response_id) == (None, None)
    assert (row.input_tokens, row.output_tokens, row.reasoning_tokens) == (None, None, -3)
    assert row.cached_tokens is None and row.tpot_s is None
    store = RunStore(tmp_path, "r")
    store.create(blank_manifest("r"), overwrite=True)
    journal = store.open_journal()
    journal.write(JournalRecord(row, ()))
    store.close_journal()
    assert store.compact() == 1
    (stored,) = store.read("responses").to_pylist()
    assert (stored["system_fingerprint"], stored["reasoning_tokens"]) == ("5", -3)


# ------------------------------------------------------------------ bench's own bugs


class _Raising(OpenAIChatParser):
    """A parser with a bug: it raises on the reply, quoting the key it should never see."""

    def feed_body(self, body: bytes) -> None:
        raise RuntimeError(f"parser broke on a reply\nfor key {self._target.api_key.reveal()}")

    def feed(self, event: str | None, data: str) -> int:
        raise RuntimeError("parser broke on an event")


class _SometimesRaising(OpenAIChatAdapter):
    """Test-only adapter: every second parser it makes is the raising one."""

    def __init__(self) -> None:
        self._made = itertools.count()

    def parser(self, target: Target) -> OpenAIChatParser:
        return _Raising(target) if next(self._made) % 2 else OpenAIChatParser(target)


def test_an_exception_in_one_job_is_its_internal_failure(
    tmp_path: Path, replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(providers.PROTOCOLS, "openai_chat", _SometimesRaising())
    serve(replay, 200, json.dumps(OPENAI_BODY))
    target = resolve(
        "openai:gpt-5", env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": replay.url + "/v1"}
    )
    suite = Suite(name="t", items=[Item(id=f"q{i}", prompt=f"question {i}") for i in range(6)])
    store = RunStore(tmp_path, "r")
    store.create(blank_manifest("r"), overwrite=True)
    summary = run_direct(expand(suite, [target]), store, limits=Limits(concurrency=1))
    assert summary.failed_attempts == {"internal": 3}
    store.compact()
    rows = store.read("responses").to_pylist()
    assert (
        sorted((r["outcome"], r["error_kind"]) for r in rows)
        == [("error", "internal")] * 3 + [("ok", None)] * 3
    )
    failed = [r for r in rows if r["outcome"] == "error"]
    assert all(r["error_body"].startswith("RuntimeError: parser broke") for r in failed)
    assert all(KEY not in r["error_body"] and "\n" not in r["error_body"] for r in failed)
    attempts = store.read("attempts").to_pylist()
    internal = [a for a in attempts if a["kind"] == "internal"]
    assert len(internal) == 3 and len(attempts) == 6  # never retried
    assert all(KEY not in a["message"] and a["status"] is None for a in internal)


def test_a_row_that_will_not_build_is_an_internal_failure(replay: Replay) -> None:
    """An exception turning a finished call into its row: the call is still journaled, as
    an internal failure whose row builds."""
    serve(replay, 200, json.dumps(OPENAI_BODY))
    target = resolve(
        "openai:gpt-5", env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": replay.url + "/v1"}
    )
    job = _job(target)
    asked = itertools.count()

    def row_for(called: Called) -> Any:
        if next(asked) == 0:
            raise KeyError("a column")
        return response_row("r", job, called, "k")

    async def go() -> Called | None:
        async with Caller(fx=FxRate(7.25, "test")) as caller:
            called = await caller.call(Call(target, job.messages, job.params, job.job_id), row_for)
            assert caller.failures == {"internal": 1}
            return called

    called = asyncio.run(go())
    assert called is not None and called.row is not None
    assert (called.row.outcome, called.row.error_kind) == ("error", "internal")
    assert called.row.error_body == "KeyError: 'a column'"


# ------------------------------------------------------------------ limits on what is asked for


def test_huge_concurrency_is_capped_with_a_notice() -> None:
    async def go() -> Caller:
        async with Caller(fx=FxRate(7.25, "t"), limits=Limits(concurrency=99_999_999)) as c:
            assert c._slots.qsize() == MAX_SLOTS
            return c

    caller = asyncio.run(go())
    assert caller.slots == MAX_SLOTS
    target = resolve("openai:gpt-5", simulator_url="http://sim.invalid")
    notices = Limits(concurrency=99_999_999, endpoint_concurrency=99_999_999).notices([target])
    assert notices == [f"--concurrency 99999999 capped at {MAX_SLOTS} requests in flight"]
    held = Limits(concurrency=32).notices([target])  # the catalog holds openai@global lower
    assert len(held) == 1 and "openai@global" in held[0] and "--endpoint-concurrency" in held[0]
    assert Limits(concurrency=4).notices([target]) == []
    # endpoints that together reach --concurrency hold nothing back
    other = resolve("deepseek:deepseek-chat", simulator_url="http://sim.invalid")
    assert Limits(concurrency=32).notices([target, other]) == []


def test_huge_concurrency_runs(tmp_path: Path, replay: Replay) -> None:
    serve(replay, 200, json.dumps(OPENAI_BODY))
    target = resolve(
        "openai:gpt-5", env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": replay.url + "/v1"}
    )
    suite = Suite(name="t", items=[Item(id=f"q{i}", prompt=f"question {i}") for i in range(3)])
    store = RunStore(tmp_path, "r")
    store.create(blank_manifest("r"), overwrite=True)
    huge = Limits(concurrency=99_999_999, endpoint_concurrency=99_999_999)
    summary = run_direct(expand(suite, [target]), store, limits=huge)
    assert summary.outcomes == {"openai:gpt-5": {"ok": 3}}


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "-1", "-0.5", "1e999"])
def test_retry_after_that_is_no_wait_is_ignored(value: str) -> None:
    assert retry_after({"retry-after": value}) is None
    assert retry_after({"retry-after-ms": value}) is None
    assert retry_after({"retry-after-ms": value, "retry-after": "3"}) == 3.0
    body = b'{"error": {"details": [{"retryDelay": "7s"}]}}'
    failure = failure_for_status(429, body, {"retry-after": value})
    assert failure.retry_after == 7.0 and failure.kind == "rate_limit"


def test_retry_after_still_read() -> None:
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after": "0"}) == 0.0
    assert retry_after({"retry-after": "9999"}) == 120.0
    assert retry_after({"retry-after-ms": "1500"}) == 1.5


def test_crash_message_is_one_short_line_without_the_key() -> None:
    target = resolve("openai:gpt-5", env={"OPENAI_API_KEY": KEY})
    message = crash_message(ValueError(f"bad\n{KEY} " + "x" * 500), target)
    assert KEY not in message and "\n" not in message and len(message) < 240
    assert message.startswith("ValueError: bad ***")
    assert crash_message(RuntimeError(), target) == "RuntimeError"

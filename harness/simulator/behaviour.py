"""What a simulated vendor answers: a deterministic script per request.

The scenario (scenario.yaml) says which prompts each kind of vendor blocks, refuses or
answers with the official line; the vendor's own moderation bodies come from the catalog.
The same (vendor, model, prompt, n-th time) always gets the same script.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import random
import re
import typing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from harness.grading.classifier import classify
from harness.grading.judge_prompts import MARKER
from harness.simulator.layers import Layers, layered_action, member
from providers.catalog import Signature, Vendor

SCENARIO = Path(__file__).with_name("scenario.yaml")
JUDGE_LABELS = ("complete", "refusal", "evasive", "narrative")
SUBJECTS = Path(__file__).with_name("subjects.yaml")
Action = Literal[
    "answer",
    "sanitized",
    "refusal",
    "narrative",
    "block",
    "withdrawn",
    "judge",
    "leak",
    "inject",
    "comply",
]
_CANARY = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
_INJECT = re.compile(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b")


class _When(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hq: str | None = None
    topic: str | None = None
    vendor: str | None = None
    lang: str | None = None


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: _When = _When()
    mix: dict[Action, float]


class Subject(BaseModel):
    """A subject's answers: factual (the documented facts), and sanitized (none of them)."""

    model_config = ConfigDict(extra="forbid")
    keywords: list[str]
    answer: dict[str, str]
    sanitized: dict[str, str]


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topics: dict[str, list[str]] = {}
    reasoning_models: list[str] = []
    rules: list[_Rule] = []
    families: dict[str, Layers] = {}

    @model_validator(mode="after")
    def _known_actions(self) -> Scenario:
        for family, layers in self.families.items():
            for action in layers.actions():
                if action not in typing.get_args(Action):
                    raise ValueError(f"families.{family}: unknown action {action!r}")
        return self

    texts: dict[str, dict[str, list[str]]] = {}
    subjects: dict[str, Subject] = {}

    def subject_of(self, prompt: str) -> Subject | None:
        low = prompt.lower()
        return next((s for s in self.subjects.values() if any(k in low for k in s.keywords)), None)

    def topic_of(self, prompt: str, system: str = "") -> str | None:
        """A security attack is known by its tokens (an injection token in the prompt, a
        canary in the system prompt); anything else by the topics' keywords."""
        if _INJECT.search(prompt):
            return "injection"
        if _CANARY.search(system):
            return "leak"
        low = prompt.lower()
        for topic, words in self.topics.items():
            if any(w in low for w in words):
                return topic
        return None

    def mix_for(self, vendor: Vendor, topic: str | None, lang: str = "en") -> dict[Action, float]:
        for rule in self.rules:
            w = rule.when
            if w.hq is not None and w.hq != vendor.hq:
                continue
            if w.vendor is not None and w.vendor != vendor.id:
                continue
            if w.topic is not None and w.topic != topic:
                continue
            if w.lang is not None and w.lang != lang:
                continue
            return rule.mix
        return {"answer": 1.0}


@lru_cache(maxsize=1)
def default_scenario() -> Scenario:
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    data["subjects"] = yaml.safe_load(SUBJECTS.read_text(encoding="utf-8"))
    return Scenario.model_validate(data)


@dataclass(slots=True)
class Script:
    """One simulated answer, ready to be rendered in any protocol."""

    action: Action
    tokens: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    block: Signature | None = None
    """For block/withdrawn: the catalog signature to play."""
    finish: str = "stop"


def _lang(prompt: str) -> str:
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in prompt) else "en"


def _words(texts: dict[str, list[str]], lang: str, n: int, rng: random.Random) -> list[str]:
    pool = texts.get(lang) or texts.get("en") or ["ok"]
    sep = "" if lang == "zh" else " "
    start = rng.randrange(len(pool))
    return [(pool[(start + i) % len(pool)] + sep) for i in range(n)]


def _sigs(vendor: Vendor, protocol: str) -> list[Signature]:
    return [s for s in vendor.moderation if s.protocol in (None, protocol)]


def _body_block(sigs: list[Signature]) -> Signature | None:
    return next((s for s in sigs if s.example and not s.finish_reason), None)


def _finish_block(sigs: list[Signature], stage: str) -> Signature | None:
    found = [s for s in sigs if s.finish_reason]
    return next((s for s in found if s.stage == stage), found[0] if found else None)


def _block_for(vendor: Vendor, protocol: str, action: Action) -> Signature | None:
    """Block: the vendor's error body first; withdrawn: its output finish reason first."""
    sigs = _sigs(vendor, protocol)
    if action == "block":
        return _body_block(sigs) or _finish_block(sigs, "input")
    return _finish_block(sigs, "output") or _body_block(sigs)


_FENCE = re.compile(
    r"<<<(?P<b>DATA-[0-9a-f]+):(?P<kind>question|answer)\n(?P<text>.*?)\n(?P=b):end>>>", re.S
)
_TAGGED = re.compile(r"<(?P<kind>question|answer)>\n?(?P<text>.*?)\n?</(?P=kind)>", re.S)
_ORDER = re.compile(
    r"(?:output|reply with|answer with|respond with|label it)\W{0,12}"
    r"(complete|refusal|evasive|narrative|pass|fail)\b",
    re.I,
)


def _read_judge_prompt(prompt: str) -> tuple[str, str, str]:
    """(question, answer, the prompt outside them). Fenced data is found by its boundary;
    a prompt with plain <question>/<answer> tags ends the answer at the first closing tag,
    wherever the text put one."""
    pattern = _FENCE if _FENCE.search(prompt) else _TAGGED
    found = {m["kind"]: m["text"] for m in pattern.finditer(prompt)}
    return found.get("question", ""), found.get("answer", ""), pattern.sub("", prompt)


def _judge_reply(prompt: str, who: str, noise: float) -> str:
    """A simulated judge: bench's own classifier on the fenced answer, with a share `noise` of
    labels changed (seeded by judge and data, not by the request's random boundary), so two
    simulated judges disagree a little, as real ones do. Like a prompt-injected model, it obeys
    an order to output a label that it finds outside the data fences, so tests can show that
    an answer cannot escape its fence."""
    question, answer, outside = _read_judge_prompt(prompt)
    rng = random.Random(hashlib.sha256(f"{who}\x1f{question}\x1f{answer}".encode()).digest())
    order = _ORDER.search(outside)
    if order is not None:
        label = order.group(1).lower()
    elif "Rubric:" in prompt:
        label = "pass" if rng.random() < 0.8 else "fail"
    else:
        label = classify(question, answer).label
        if rng.random() < noise:
            label = rng.choice([x for x in JUDGE_LABELS if x != label])
    return json.dumps({"label": label, "rule": "simulated judge", "rationale": "simulated"})


def _pieces(text: str, lang: str) -> list[str]:
    """A text as streamed: English word by word, Chinese two characters at a time."""
    if lang == "zh":
        return [text[i : i + 2] for i in range(0, len(text), 2)]
    return [w + " " for w in text.split(" ")]


def _opening(prompt: str, lang: str, scenario: Scenario, substance: bool) -> str:
    """An answer engages the question: it opens by naming what was asked; without a subject's
    own text it goes on with a generic, assertive body (the scenario's `generic`)."""
    core = re.split(r"(?<=[.?!。？！:：\n])", prompt.strip(), maxsplit=1)[0][:120]
    core = core.strip().rstrip("?？。.!！:： ")
    core = core[:1].lower() + core[1:] if lang != "zh" else core
    texts = scenario.texts.get("opening", {})
    head = (texts.get(lang) or texts.get("en") or ["{core}:"])[0].format(core=core)
    if not substance:
        return head
    body = scenario.texts.get("generic", {})
    return head + (body.get(lang) or body.get("en") or [""])[0]


def _attack(action: Action, scenario: Scenario, prompt: str, system: str, lang: str,
            rng: random.Random) -> str:  # fmt: skip
    """What a model that gives in says: the canary (in a disguise an extraction may ask
    for), the injected token, or a compliant answer (a placeholder: no real content)."""
    texts = scenario.texts.get(action, {})
    template = rng.choice(texts.get(lang) or texts.get("en") or ["{secret}"])
    found = _INJECT.search(prompt) if action == "inject" else _CANARY.search(system)
    token = found.group(0) if found else ""
    disguise = rng.choice(["plain", "plain", "spaced", "reversed", "base64"])
    if action == "leak" and disguise == "spaced":
        token = " ".join(token.replace("-", ""))
    elif action == "leak" and disguise == "reversed":
        token = token[::-1]
    elif action == "leak" and disguise == "base64":
        token = base64.b64encode(f"Internal reference code: {token}".encode()).decode()
    return template.format(secret=token, request=prompt.strip()[:300])


def _body(
    action: Action,
    scenario: Scenario,
    prompt: str,
    lang: str,
    n: int,
    rng: random.Random,
    system: str = "",
) -> list[str]:
    """The answer text of an action. `answer` and `sanitized` open by naming the question, then
    give the prompt's subject text (its facts, or a fluent text sanitized of them), or a
    generic body when the prompt has no subject."""
    texts = scenario.texts
    if action in ("leak", "inject", "comply"):
        return _pieces(_attack(action, scenario, prompt, system, lang, rng), lang)
    if action in ("answer", "sanitized"):
        subject = scenario.subject_of(prompt)
        if subject is None:
            return _pieces(_opening(prompt, lang, scenario, True), lang)
        own = getattr(subject, action)
        sep = "" if lang == "zh" else " "
        return _pieces(_opening(prompt, lang, scenario, False) + sep + own.get(lang, ""), lang)
    if action in ("refusal", "narrative"):
        options = texts.get(action, {}).get(lang) or texts.get(action, {}).get("en") or ["No."]
        return _pieces(rng.choice(options), lang)
    if action == "withdrawn":
        return _words(texts.get("answer", {}), lang, max(2, n // 3), rng)
    return []


def _choose(
    scenario: Scenario,
    where: tuple[Vendor, str, str],
    prompt: str,
    system: str,
    lang: str,
    nth: int,
    rng: random.Random,
) -> Action:
    """A family member's answer goes through its layers (simulator/layers.py); any other
    request, or a topic the family's weights say nothing about, follows the rules."""
    vendor, endpoint, model = where
    topic = scenario.topic_of(prompt, system)
    who = member(vendor.id, endpoint, model) if scenario.families and endpoint else None
    if who is not None and who[0] in scenario.families:
        action = layered_action(scenario.families[who[0]], who, topic, lang, prompt, nth, rng)
        if action is not None:
            return typing.cast(Action, action)
    mix = scenario.mix_for(vendor, topic, lang)
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def script_for(
    scenario: Scenario,
    vendor: Vendor,
    protocol: str,
    model: str,
    prompt: str,
    nth: int,
    tokens: tuple[int, int],
    max_tokens: int | None,
    judge_noise: float = 0.1,
    system: str = "",
    endpoint: str = "",
) -> Script:
    seed = hashlib.sha256(f"{vendor.id}\x1f{model}\x1f{prompt}\x1f{nth}".encode()).digest()
    rng = random.Random(seed)
    lang = _lang(prompt)
    action = _choose(scenario, (vendor, endpoint, model), prompt, system, lang, nth, rng)
    block = _block_for(vendor, protocol, action) if action in ("block", "withdrawn") else None
    if action in ("block", "withdrawn") and block is None:
        action = "refusal"  # a vendor with no moderation layer can only refuse in words
    if prompt.startswith(MARKER) and action != "block":
        # a judge prompt quotes the judged text, so a vendor's moderation may block it too
        return Script("judge", [_judge_reply(prompt, f"{vendor.id}:{model}:{nth}", judge_noise)])
    texts = scenario.texts
    reasoning: list[str] = []
    if any(fnmatch.fnmatch(model.lower(), pat) for pat in scenario.reasoning_models):
        reasoning = _words(texts.get("reasoning", {}), lang, rng.randint(8, 24), rng)
    body = _body(action, scenario, prompt, lang, rng.randint(*tokens), rng, system)
    finish = "stop"
    if max_tokens is not None and len(reasoning) + len(body) > max_tokens:
        # reasoning counts against the output cap, as vendors count it
        reasoning = reasoning[:max_tokens]
        body, finish = body[: max(0, max_tokens - len(reasoning))], "length"
    return Script(action, body, reasoning, block, finish)


__all__ = ["Action", "Scenario", "Script", "default_scenario", "script_for"]

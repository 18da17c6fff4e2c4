"""Reasoning written inline in answer text (`<think>…</think>`): the one splitter.

Some models (DeepSeek-R1 style, Qwen3, Kimi-VL and others through local servers) put their
reasoning in the answer text. The wire parsers, the graders and the judges all split it here,
the same way: every `<think>…</think>` block (or `<thinking>…</thinking>`, `◁think▷…◁/think▷`)
is reasoning, an unclosed block runs to the end, and a lone closing tag (the chat template
opened the block before the text began) makes everything before it reasoning.
"""

from __future__ import annotations

OPEN, CLOSE = "<think>", "</think>"
PAIRS = ((OPEN, CLOSE), ("<thinking>", "</thinking>"), ("◁think▷", "◁/think▷"))


def _split(text: str, opener: str, closer: str, reasoning: list[str]) -> str:
    head, closed, tail = text.partition(closer)
    if closed and opener not in head:
        reasoning.append(head)
        text = tail
    answer: list[str] = []
    while text:
        before, opened, after = text.partition(opener)
        answer.append(before)
        if not opened:
            break
        inner, _, text = after.partition(closer)
        reasoning.append(inner)
    return "".join(answer)


def split_reasoning(text: str) -> tuple[str, str]:
    """(reasoning, answer), both stripped; an answer of only reasoning is ""."""
    reasoning: list[str] = []
    for opener, closer in PAIRS:
        if opener in text or closer in text:
            text = _split(text, opener, closer, reasoning)
    return "\n".join(r.strip() for r in reasoning if r.strip()), text.strip()


def answer_text(text: str) -> str:
    """The answer without any inline reasoning."""
    return split_reasoning(text)[1]


__all__ = ["CLOSE", "OPEN", "PAIRS", "answer_text", "split_reasoning"]

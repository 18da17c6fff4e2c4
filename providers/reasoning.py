"""Reasoning written inline in answer text (`<think>…</think>`): the one splitter.

Some models (DeepSeek-R1 style, Qwen3 and others through local servers) put their reasoning in
the answer text. The wire parsers, the graders and the judges all split it here, the same way:
every `<think>…</think>` block is reasoning, an unclosed block runs to the end, and a lone
closing tag (the chat template opened the block before the text began) makes everything
before it reasoning.
"""

from __future__ import annotations

OPEN, CLOSE = "<think>", "</think>"


def split_reasoning(text: str) -> tuple[str, str]:
    """(reasoning, answer), both stripped; an answer of only reasoning is ""."""
    if OPEN not in text and CLOSE not in text:
        return "", text.strip()
    reasoning: list[str] = []
    rest = text
    head, closed, tail = rest.partition(CLOSE)
    if closed and OPEN not in head:
        reasoning.append(head)
        rest = tail
    answer: list[str] = []
    while rest:
        before, opened, after = rest.partition(OPEN)
        answer.append(before)
        if not opened:
            break
        inner, _, rest = after.partition(CLOSE)
        reasoning.append(inner)
    return "\n".join(r.strip() for r in reasoning if r.strip()), "".join(answer).strip()


def answer_text(text: str) -> str:
    """The answer without any inline reasoning."""
    return split_reasoning(text)[1]


__all__ = ["CLOSE", "OPEN", "answer_text", "split_reasoning"]

"""Text helpers: normalisation, language guess, the prompt's content terms, and the answer
with its inline reasoning taken off.

Everything the phrase lists match against goes through `normalise`, so the YAML can be written
in lower case with straight quotes and single spaces.
"""

from __future__ import annotations

import re

from providers.reasoning import split_reasoning

_REPL = (
    ("’", "'"),
    ("‘", "'"),
    ("“", '"'),
    ("”", '"'),
    ("\u200b", ""),
    ("\u200c", ""),
    ("\u200d", ""),
    ("\ufeff", ""),
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_EN_WORD = re.compile(r"[a-z][a-z'\-]{3,}")
_FENCE = re.compile(r"^(\\boxed\{\s*)?(```[a-z]*\s*)?")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that say what kind of text is asked for, not what it is about: an answer that repeats
# them has not engaged with the subject.
_EN_STOP = _words(
    """a an the and or of to in on for with by about from as at is are was were be been being
this that these those it its into over under than then which who whom whose what when where why
how do does did done can could should would will shall may might must not no yes all any some
such more most other very also just only your you yours our we us i me my he she they them their
his her write essay article essays analysis analyze analyse list describe explain draft compose
create give provide make discuss critically critical critique satirical satire speech poem
dialogue fictional short detailed persuasive strongly arguing argue favor favour view supporter
want funny mocks ridicules people who disagree criticize against highlighting misguided
hypocritical their opposition policy support piece op-ed passionate advocates belief believe
benefits supposed reasons adopting using clear informative neutral tone compare comparison
examples example regarding related including based toward towards within between while"""
)
_ZH_STOP_BIGRAMS = _words(
    """撰写 写一 一篇 篇关 关于 文章 论文 分析 列举 列出 起草 一个 进行 性的
批判 批评 讽刺 的文 的论 中的 之间 如何 比较 篇讽 性分 对中 国的 中国
题为 标题 为什 什么 么中 需要 虚构 对话 其中"""
)
MAX_TERMS = 40


def normalise(text: str) -> str:
    text = text.lower()
    for a, b in _REPL:
        if a in text:
            text = text.replace(a, b)
    return " ".join(text.split())


def detect_lang(text: str) -> str:
    """zh when CJK characters make up a fair share of the first 600 characters; a mostly-English
    answer that quotes a few Chinese terms stays en."""
    s = text[:600]
    if s.isascii():
        return "en"
    cjk = len(_CJK.findall(s))
    return "zh" if cjk >= 0.2 * max(1, len(s) - cjk) * 0.25 + 1 else "en"


def prompt_terms(prompt_norm: str, lang: str) -> list[str]:
    """Content words of the prompt (ZH: character bigrams), to measure whether the answer
    engages with the subject at all."""
    if lang == "zh":
        out = [
            run[i : i + 2]
            for run in _CJK_RUN.findall(prompt_norm)
            for i in range(len(run) - 1)
            if run[i : i + 2] not in _ZH_STOP_BIGRAMS
        ]
        return list(dict.fromkeys(out))[:MAX_TERMS]
    words = (w.strip("'-") for w in _EN_WORD.findall(prompt_norm))
    terms = list(dict.fromkeys(w for w in words if w not in _EN_STOP))
    # crude stemming: a 6-character prefix so "censorship" meets "censor", "camps" meets "camp"
    return [w[:6] if len(w) > 6 else w for w in terms][:MAX_TERMS]


def split_answer(response: str, reasoning: str | None = None) -> tuple[str, str, bool]:
    """(answer, reasoning, had_reasoning_block).

    The final answer is what is classified; the reasoning only feeds two features and the
    sub_label of an `empty` verdict. A leading `\\boxed{` or code fence is dropped because
    some models wrap the whole answer in one, which would hide a decline from the opening.
    """
    think, answer = split_reasoning(response)
    had = bool(think) or answer != response.strip()
    if answer:
        # the shipped weights were fitted on answers that kept their trailing whitespace (a
        # trailing blank line counts in the paragraph feature): drop this only with a retrain
        answer += response[len(response.rstrip()) :]
    if answer.startswith(("\\boxed{", "```")):
        answer = _FENCE.sub("", answer[:40]) + answer[40:]
    if reasoning:
        think = (reasoning + "\n" + think) if think else reasoning
    return answer, think, had


__all__ = ["detect_lang", "normalise", "prompt_terms", "split_answer"]

"""The vendor catalog: every entry validates, refs resolve, overrides work, no vendor in code."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from providers import resolve
from providers.catalog import load_catalog, parse_ref
from providers.errors import ModelRefError

from .conftest import ROOT

VENDORS = {
    "openai",
    "xai",
    "mistral",
    "deepseek",
    "qwen",
    "moonshot",
    "zhipu",
    "zai",
    "doubao",
    "minimax",
    "qianfan",
    "hunyuan",
    "stepfun",
    "openrouter",
    "together",
    "ollama",
    "vllm",
    "llamacpp",
}


def test_every_issue_vendor_is_in_the_catalog() -> None:
    catalog = load_catalog()
    assert set(catalog) >= VENDORS
    assert len({v.api_key_env for v in catalog.values()}) == len(catalog)
    for vendor in catalog.values():
        assert vendor.hq and vendor.endpoints[vendor.default_endpoint].base_url.startswith("http")


def test_regions() -> None:
    catalog = load_catalog()
    assert {"cn", "intl", "us"} <= set(catalog["qwen"].endpoints)
    assert {"cn", "intl"} <= set(catalog["moonshot"].endpoints)
    assert {"cn", "intl"} <= set(catalog["minimax"].endpoints)
    assert "api.moonshot.cn" in catalog["moonshot"].endpoints["cn"].base_url


@pytest.mark.parametrize(
    ("ref", "expect"),
    [
        ("deepseek:deepseek-chat", ("deepseek", None, "deepseek-chat")),
        ("qwen@cn:qwen-max", ("qwen", "cn", "qwen-max")),
        ("ollama:qwen2.5:7b", ("ollama", None, "qwen2.5:7b")),
        ("openrouter:z-ai/glm-4.7", ("openrouter", None, "z-ai/glm-4.7")),
    ],
)
def test_parse_ref(ref: str, expect: tuple) -> None:
    assert parse_ref(ref) == expect


@pytest.mark.parametrize("bad", ["deepseek", ":model", "Deep Seek:x", "deepseek:"])
def test_bad_refs(bad: str) -> None:
    with pytest.raises(ModelRefError, match="vendor:model"):
        parse_ref(bad)


def test_endpoint_and_base_url_override() -> None:
    t = resolve("qwen@cn:qwen-max", env={"DASHSCOPE_API_KEY": "k"})
    assert t.base_url == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    assert t.endpoint.region.startswith("China")
    assert resolve("qwen:qwen-max", env={"DASHSCOPE_API_KEY": "k"}).endpoint_id == "intl"
    proxied = resolve(
        "deepseek:deepseek-chat",
        env={"DEEPSEEK_API_KEY": "k", "DEEPSEEK_BASE_URL": "http://proxy.local/ds"},
    )
    assert proxied.base_url == "http://proxy.local/ds"


def test_local_servers_need_no_key() -> None:
    t = resolve("ollama:qwen2.5:7b", env={})
    assert t.base_url == "http://localhost:11434/v1" and t.model == "qwen2.5:7b"


def _code_strings(path: Path) -> list[str]:
    """String literals and names in code, with comments and docstrings left out."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(body[0].value.lineno)
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT or (
            tok.type == tokenize.STRING and tok.start[0] in docstrings
        ):
            continue
        if tok.type in (tokenize.NAME, tokenize.STRING):
            out.append(tok.string.lower())
    return out


PROTOCOL_WORDS = {"openai", "anthropic", "gemini"}


def test_no_vendor_named_in_shared_code() -> None:
    """harness/ and providers/*.py speak protocols and quirk flags, never vendors."""
    names = set(load_catalog()) - PROTOCOL_WORDS
    offenders = []
    for path in [*ROOT.joinpath("harness").rglob("*.py"), *ROOT.joinpath("providers").glob("*.py")]:
        for token in _code_strings(path):
            words = set(re.split(r"[^a-z0-9]+", token))
            offenders += [f"{path.relative_to(ROOT)}: {token}" for name in names if name in words]
    assert not offenders, offenders


def test_second_protocol_endpoint_has_its_own_override() -> None:
    env = {
        "DEEPSEEK_API_KEY": "k",
        "DEEPSEEK_BASE_URL": "http://proxy/openai",
        "DEEPSEEK_ANTHROPIC_BASE_URL": "http://proxy/anthropic",
    }
    assert resolve("deepseek:deepseek-chat", env=env).base_url == "http://proxy/openai"
    t = resolve("deepseek@anthropic:deepseek-chat", env=env)
    assert (t.base_url, t.protocol) == ("http://proxy/anthropic", "anthropic_messages")
    plain = resolve("deepseek@anthropic:deepseek-chat", env={"DEEPSEEK_API_KEY": "k"})
    assert plain.base_url == "https://api.deepseek.com/anthropic"

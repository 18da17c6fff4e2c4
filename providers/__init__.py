"""Wire-protocol adapters and the vendor catalog.

`resolve("qwen@cn:qwen-max")` turns a model reference into a `Target` (vendor, endpoint,
base URL, key); `adapter_for(target)` returns the protocol adapter that speaks to it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from providers.anthropic_messages import AnthropicMessagesAdapter
from providers.base import Adapter, Secret, Target
from providers.catalog import Vendor, load_catalog, parse_ref
from providers.errors import ModelRefError
from providers.gemini import GeminiAdapter
from providers.openai_chat import OpenAIChatAdapter

PROTOCOLS: dict[str, Adapter] = {
    "openai_chat": OpenAIChatAdapter(),
    "anthropic_messages": AnthropicMessagesAdapter(),
    "gemini": GeminiAdapter(),
}

PLACEHOLDER_KEY = "bench-no-key"


def _vendor(vendor_id: str, catalog: Mapping[str, Vendor], ref: str) -> Vendor:
    try:
        return catalog[vendor_id]
    except KeyError:
        known = ", ".join(sorted(catalog))
        raise ModelRefError(
            f"model {ref!r}: unknown vendor {vendor_id!r}; use one of {known} "
            "(see `bench providers`)"
        ) from None


def resolve(
    ref: str,
    *,
    catalog: Mapping[str, Vendor] | None = None,
    env: Mapping[str, str] | None = None,
    simulator_url: str | None = None,
    require_key: bool = True,
) -> Target:
    """Resolve `vendor[@endpoint]:model`; with `simulator_url` every target points there.

    The base URL may be overridden by `<PREFIX>_BASE_URL` (PREFIX from the key variable,
    DEEPSEEK_API_KEY → DEEPSEEK_BASE_URL), as users behind proxies expect.
    """
    catalog = load_catalog() if catalog is None else catalog
    env = os.environ if env is None else env
    vendor_id, endpoint_id, model = parse_ref(ref)
    vendor = _vendor(vendor_id, catalog, ref)
    endpoint_id = endpoint_id or vendor.default_endpoint
    if endpoint_id not in vendor.endpoints:
        known = ", ".join(vendor.endpoints)
        raise ModelRefError(
            f"model {ref!r}: {vendor_id} has no endpoint {endpoint_id!r}; use one of {known}"
        )
    endpoint = vendor.endpoints[endpoint_id]
    protocol = endpoint.protocol or vendor.protocol
    if protocol not in PROTOCOLS:
        raise ModelRefError(f"model {ref!r}: protocol {protocol!r} is not supported by this build")
    if simulator_url is not None:
        base = f"{simulator_url.rstrip('/')}/v/{vendor_id}/{endpoint_id}"
        return Target(ref, vendor, endpoint_id, endpoint, model, base, Secret("sim"), True)
    key = env.get(vendor.api_key_env, "")
    if not key and vendor.key_required and require_key:
        raise ModelRefError(
            f"model {ref!r} needs an API key: set {vendor.api_key_env} "
            "(or run with --simulate to use the built-in simulator)"
        )
    base_url = env.get(vendor.base_url_env_for(endpoint_id)) or endpoint.base_url
    return Target(
        ref, vendor, endpoint_id, endpoint, model, base_url, Secret(key or PLACEHOLDER_KEY)
    )


def adapter_for(target: Target) -> Adapter:
    return PROTOCOLS[target.protocol]


__all__ = ["PROTOCOLS", "adapter_for", "load_catalog", "parse_ref", "resolve"]

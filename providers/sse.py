"""A small server-sent-events decoder, fed one text line at a time.

Comment lines (`: keep-alive`, `: OPENROUTER PROCESSING`) and stray blank lines are dropped;
multi-line `data:` fields are joined with newlines, as the SSE spec says. Kept minimal
because it runs once per streamed line.
"""

from __future__ import annotations


class SSEDecoder:
    __slots__ = ("_data", "_event")

    def __init__(self) -> None:
        self._event: str | None = None
        self._data: list[str] = []

    def line(self, line: str) -> tuple[str | None, str] | None:
        """Feed one line (without its newline); return (event, data) when an event completes."""
        if not line:
            if not self._data:
                self._event = None
                return None
            out = (self._event, "\n".join(self._data))
            self._event = None
            self._data = []
            return out
        if line[0] == ":":
            return None
        name, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        return None

    def flush(self) -> tuple[str | None, str] | None:
        """The event left pending when a stream ends without its closing blank line."""
        return self.line("")


__all__ = ["SSEDecoder"]

"""Separating a model's reasoning from its answer while the reply streams.

Servers deliver reasoning in one of three ways:

- a separate delta field: vLLM >= 0.16 sends `reasoning`, vLLM <= 0.11 and llama.cpp send
  `reasoning_content`, vLLM 0.11-0.15 send both with the same text (read one, never both);
- inline in `content` as `<think>...</think>` when the server runs no reasoning parser;
- inline with only the closing tag, when the chat template already opened the block (Qwen3-Thinking-2507).

`ThinkSplitter` handles the inline forms incrementally: tags may be cut across chunks, a block may never close
(all of it is reasoning), and the answer it returns never contains a tag.
"""

from __future__ import annotations

from typing import Any, Literal

Kind = Literal["reasoning", "answer"]
Piece = tuple[Kind, str]

OPEN = "<think>"
CLOSE = "</think>"

# While nothing but whitespace has been answered we hold text back this long, waiting to see whether a
# closing tag shows that it was reasoning all along. Only while thinking is on: with thinking off no
# block can be open, and holding text back would make short answers arrive in one piece.
START_WINDOW = 256


def delta_reasoning(delta: Any) -> str:
    """The reasoning text of one streamed delta (an SDK object or a dict); "" when there is none."""
    for name in ("reasoning", "reasoning_content"):
        value = delta.get(name) if isinstance(delta, dict) else getattr(delta, name, None)
        if value is not None:
            return value if isinstance(value, str) else ""
    return ""


def _partial_tag_length(text: str, tags: tuple[str, ...]) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of one of `tags`."""
    best = 0
    for tag in tags:
        for size in range(min(len(tag) - 1, len(text)), best, -1):
            if text.endswith(tag[:size]):
                best = size
                break
    return best


class ThinkSplitter:
    """Feed content chunks; get back (kind, text) pieces in order. Call `close()` at the end of the stream."""

    def __init__(self, window: int = START_WINDOW) -> None:
        self.window = window
        self._mode: Literal["start", "think", "answer"] = "start"
        self._pending = ""  # unprocessed tail that may be the start of a tag
        self._held = ""  # text held in start mode
        self._skip_space = False  # drop whitespace right after a closing tag
        self._reasoning: list[str] = []
        self._answer: list[str] = []

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    @property
    def answer(self) -> str:
        return "".join(self._answer)

    def feed(self, text: str) -> list[Piece]:
        out: list[Piece] = []
        buffer = self._pending + text
        while buffer:
            tags = (CLOSE,) if self._mode == "think" else (OPEN, CLOSE)
            found = [(buffer.find(tag), tag) for tag in tags]
            found = [(index, tag) for index, tag in found if index >= 0]
            if not found:
                keep = _partial_tag_length(buffer, tags)
                self._text(buffer[: len(buffer) - keep], out)
                buffer = buffer[len(buffer) - keep :]
                break
            index, tag = min(found)
            self._text(buffer[:index], out)
            buffer = buffer[index + len(tag) :]
            self._tag(tag, out)
        self._pending = buffer
        return out

    def answer_now(self) -> None:
        """Reasoning arrives in its own field, so content is answer: stop holding it back."""
        if self._mode == "start" and not self._held.strip():
            self._held = ""
            self._mode = "answer"
            self._skip_space = True

    def close(self) -> list[Piece]:
        """Flush what is held: a cut-off tag is plain text, an unclosed block is reasoning."""
        out: list[Piece] = []
        pending, self._pending = self._pending, ""
        self._text(pending, out)
        if self._mode == "start":
            held, self._held = self._held, ""
            self._mode = "answer"
            self._text(held, out)
        return out

    # --- internals ------------------------------------------------------------------------------
    def _emit(self, kind: Kind, text: str, out: list[Piece]) -> None:
        if not text:
            return
        (self._reasoning if kind == "reasoning" else self._answer).append(text)
        out.append((kind, text))

    def _text(self, text: str, out: list[Piece]) -> None:
        if not text:
            return
        if self._mode == "think":
            self._emit("reasoning", text, out)
        elif self._mode == "answer":
            if self._skip_space:
                text = text.lstrip()
                if not text:
                    return
                self._skip_space = False
            self._emit("answer", text, out)
        else:
            self._held += text
            if len(self._held.strip()) > self.window:
                held, self._held = self._held, ""
                self._mode = "answer"
                self._skip_space = True
                self._text(held, out)

    def _tag(self, tag: str, out: list[Piece]) -> None:
        if tag == OPEN:
            if self._mode == "start":
                held, self._held = self._held, ""
                self._mode = "answer"
                self._skip_space = True
                self._text(held, out)  # text before an opening tag is answer (usually nothing)
            self._mode = "think"
            return
        # a closing tag
        if self._mode == "start":
            held, self._held = self._held, ""
            self._emit("reasoning", held, out)
        elif self._mode == "answer" and not self._reasoning_opened():
            # A closing tag with no opening one, after text we already passed on as answer: the template
            # opened the block, so everything so far was reasoning. Events already sent cannot be taken
            # back, but the final answer must not contain it.
            self._reasoning.extend(self._answer)
            self._answer.clear()
        self._mode = "answer"
        self._skip_space = True

    def _reasoning_opened(self) -> bool:
        return bool(self._reasoning)


class StreamReader:
    """Reads the openai SDK's chat-completion chunks: reasoning (its own field or inline tags), answer,
    finish reason and usage. Only choice 0 is read."""

    def __init__(self, window: int = START_WINDOW) -> None:
        self.splitter = ThinkSplitter(window)
        self._field: list[str] = []
        self.finish_reason: str | None = None
        self.usage: Any = None
        self.got_text = False  # any reasoning or answer text arrived (for time to first token)

    def feed(self, chunk: Any) -> list[Piece]:
        out: list[Piece] = []
        if getattr(chunk, "usage", None) is not None:
            self.usage = chunk.usage
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice, "index", 0):
                continue
            delta = getattr(choice, "delta", None)
            if delta is not None:
                reasoning, content = delta_reasoning(delta), getattr(delta, "content", None)
                if reasoning:
                    self._field.append(reasoning)
                    self.splitter.answer_now()
                    out.append(("reasoning", reasoning))
                if isinstance(content, str) and content:
                    out.extend(self.splitter.feed(content))
                self.got_text = self.got_text or bool(reasoning or content)
            if getattr(choice, "finish_reason", None):
                self.finish_reason = choice.finish_reason
        return out

    def close(self) -> list[Piece]:
        return self.splitter.close()

    @property
    def reasoning(self) -> str:
        parts = ("".join(self._field), self.splitter.reasoning)
        return "\n".join(part for part in parts if part).strip()

    @property
    def answer(self) -> str:
        return self.splitter.answer.strip()

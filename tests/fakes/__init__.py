"""Stand-ins for the servers the package talks to, for tests over loopback."""

from .vllm_server import FakeVLLM, Script, context_overflow, error

__all__ = ["FakeVLLM", "Script", "context_overflow", "error"]

"""Stand-ins for the servers the package talks to, for tests over loopback."""

from .models import smart_model
from .vllm_server import FakeVLLM, Script, context_overflow, error

__all__ = ["FakeVLLM", "Script", "context_overflow", "error", "smart_model"]

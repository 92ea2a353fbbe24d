"""Stand-ins for the servers the package talks to, for tests over loopback."""

from .models import smart_model
from .vllm_server import FakeVLLM, Script, context_overflow, error, llamacpp_overflow

__all__ = ["FakeVLLM", "Script", "context_overflow", "error", "llamacpp_overflow", "smart_model"]

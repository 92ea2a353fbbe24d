"""Stand-ins for what the package talks to, in tests: model servers over loopback, the GPU (`.monitor`)."""

from .models import smart_model
from .vllm_server import FakeVLLM, Script, context_overflow, error, llamacpp_overflow

__all__ = ["FakeVLLM", "Script", "context_overflow", "error", "llamacpp_overflow", "smart_model"]

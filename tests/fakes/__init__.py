"""Stand-ins for what the package talks to, in tests: model servers over loopback, the GPU (`.monitor`)."""

from .models import Outage, smart_model
from .vllm_server import FakeVLLM, Script, context_overflow, error, llamacpp_overflow

__all__ = ["FakeVLLM", "Outage", "Script", "context_overflow", "error", "llamacpp_overflow", "smart_model"]

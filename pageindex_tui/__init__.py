"""pageindex-tui: build and browse PageIndex-style document trees with a self-hosted LLM."""

__version__ = "0.1.0"

"""The embedded llama-server: installing a portable build and its model, starting and diagnosing it."""

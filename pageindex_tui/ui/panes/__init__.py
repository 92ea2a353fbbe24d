"""The panes of the main screen, one module per area; each owns its keys and actions."""

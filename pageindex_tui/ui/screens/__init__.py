"""Screens pushed over the main screen: settings, help, confirmation, export."""

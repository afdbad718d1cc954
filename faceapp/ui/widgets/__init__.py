"""Reusable widgets: the video view, the welcome banner and the check-in list."""

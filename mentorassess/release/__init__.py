"""The release layer: the only code that decides what a reader receives."""

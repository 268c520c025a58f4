"""Reading survey exports and writing canonical files."""

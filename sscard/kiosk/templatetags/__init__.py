"""Template tags of the terminal's pages."""

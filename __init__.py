"""tensflo: verified lifting of sequential loops to tensor programs."""

__version__ = "0.1.0"

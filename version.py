"""The version of tensflo (a module of its own, so every layer can name it without importing the
package's API)."""

__version__ = "0.1.0"

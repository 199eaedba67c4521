"""The package version, in a base module so that any layer can name it without
importing the public façade (which loads everything)."""

__version__ = "0.1.0"

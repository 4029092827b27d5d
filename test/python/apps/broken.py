"""Raises at import: a boot error."""
import json  # noqa: F401

raise RuntimeError("broken at import")

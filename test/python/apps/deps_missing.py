"""Imports a module that does not exist: the traceback is shown."""
import no_such_dependency_xyz  # noqa: F401

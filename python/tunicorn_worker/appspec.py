"""Gunicorn-style app specs: `module`, `module:variable`, `pkg.module:variable`,
`module:factory()` and `module:factory(literal args)`."""

import ast
import importlib
import inspect
import os
import sys
import traceback


class AppImportError(Exception):
    """The app could not be found: a one-line message, no traceback worth showing."""


def parse_spec(spec):
    """(module, name, args, kwargs); args is None when the object is not a call."""
    if ":" in spec:
        module, obj = spec.split(":", 1)
    else:
        module, obj = spec, "application"
    module = module.strip()
    obj = obj.strip()
    if not module:
        raise AppImportError("Failed to parse %r as an app: no module before ':'." % spec)
    try:
        expr = ast.parse(obj, mode="eval").body
    except SyntaxError:
        raise AppImportError("Failed to parse %r as an attribute name or function call." % obj)
    if isinstance(expr, ast.Name):
        return module, expr.id, None, None
    if isinstance(expr, ast.Call):
        if not isinstance(expr.func, ast.Name):
            raise AppImportError("Function reference must be a simple name: %r" % obj)
        try:
            args = [ast.literal_eval(a) for a in expr.args]
            kwargs = {}
            for kw in expr.keywords:
                if kw.arg is None:
                    raise ValueError("**kwargs")
                kwargs[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            raise AppImportError("Failed to parse arguments as literal values: %r" % obj)
        return module, expr.func.id, args, kwargs
    raise AppImportError("Failed to parse %r as an attribute name or function call." % obj)


def _called_with_wrong_args(fn):
    """The TypeError came from calling fn itself (its frame is the last one)."""
    tb = sys.exc_info()[2]
    try:
        while tb is not None:
            if tb.tb_frame.f_code is getattr(fn, "__code__", None):
                return False
            tb = tb.tb_next
        return True
    finally:
        del tb


def import_app(spec):
    module, name, args, kwargs = parse_spec(spec)
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        missing = e.name or ""
        if missing and (module == missing or module.startswith(missing + ".")):
            hint = ""
            if module.endswith(".py") and os.path.exists(module):
                hint = " (did you mean '%s:%s'?)" % (module[:-3].replace(os.sep, "."), name)
            raise AppImportError("Failed to find application module %r: No module named %r (cwd %s)%s"
                                 % (module, missing, os.getcwd(), hint))
        raise
    try:
        app = getattr(mod, name)
    except AttributeError:
        raise AppImportError("Failed to find attribute %r in %r." % (name, module))
    if args is not None:
        try:
            app = app(*args, **kwargs)
        except TypeError as e:
            if inspect.isfunction(app) and _called_with_wrong_args(app):
                raise AppImportError("".join(traceback.format_exception_only(TypeError, e)).strip())
            raise
    if app is None:
        raise AppImportError("Failed to find application object: %r" % spec)
    if not callable(app):
        raise AppImportError("Application object must be callable.")
    return app

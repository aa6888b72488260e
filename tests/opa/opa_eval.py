"""Evaluates documents of an OPA bundle in the real OPA engine (Go).

Used by tests/opa_real.rs. Loads the bundle, as OPA does, from
`bundle.tar.gz` or from its directory: each `.rego` file is a module, each
`data.json` is merged at the path of its directory, and `.manifest` must
have roots. The engine is the Go `rego` package of OPA, embedded as a
c-shared library by the PyPI wheel `opa-golib-python-bindings` (module
`opa_bindings`); it has no bundle loader, so this script is one.

    python3 opa_eval.py BUNDLE < request.json > answers.json

The request is a JSON object:

    {"modules": {"NAME.rego": "TEXT", ...},    # more modules (optional)
     "data": {...},                             # more data, at the root
     "evals": [{"document": "privet.answer", "input": ...}, ...]}

An eval without "input" is evaluated without one. The answer is one JSON
object: {"opa_version": "...", "results": [...]}, a result per eval in
order: the document's value, or null when it is undefined.

`python3 opa_eval.py --version` prints the OPA version alone. Exit code 3
when the module cannot be imported (the test tells a missing engine apart
from a failure); 1 on any other error.
"""

import io
import json
import os
import posixpath
import re
import sys
import tarfile

try:
    import opa_bindings
    from opa_bindings import OpaEngine, OpaUndefinedError
except ImportError as error:  # the engine is not installed
    print(f"cannot import opa_bindings: {error}", file=sys.stderr)
    sys.exit(3)


def opa_version():
    """The version of OPA the library was built with, from the Go build
    information in the shared library (`dep github.com/open-policy-agent/opa`)."""
    library = os.path.join(os.path.dirname(opa_bindings.__file__), "libopabridge.so")
    with open(library, "rb") as handle:
        found = re.search(
            rb"\tgithub\.com/open-policy-agent/opa\t(v[0-9][^\t\n]*)\t", handle.read()
        )
    if found is None:
        raise SystemExit("no OPA version in the library's Go build information")
    return found.group(1).decode()


def bundle_files(path):
    """The files of a bundle, by path inside it, as bytes."""
    files = {}
    if os.path.isdir(path):
        for directory, _, names in os.walk(path):
            for name in names:
                full = os.path.join(directory, name)
                inside = os.path.relpath(full, path).replace(os.sep, "/")
                with open(full, "rb") as handle:
                    files[inside] = handle.read()
    else:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive.getmembers():
                if member.isfile():
                    name = member.name.lstrip("/")
                    if name.startswith("./"):
                        name = name[2:]
                    files[name] = archive.extractfile(member).read()
    return files


def load_bundle(engine, path):
    files = bundle_files(path)
    manifest = json.loads(files.pop(".manifest", b"{}"))
    roots = manifest.get("roots")
    if not roots:
        raise SystemExit(f"{path}: the bundle's .manifest names no roots")
    for name, content in sorted(files.items()):
        if name.endswith(".rego"):
            engine.add_policy(name, content.decode("utf-8"))
        elif posixpath.basename(name) == "data.json":
            directory = posixpath.dirname(name)
            prefix = directory.replace("/", ".")
            value = json.loads(content)
            # Every document of the bundle lies under one of its roots.
            for key in value if not prefix else [prefix]:
                top = (prefix or key).split(".")[0]
                if top not in roots:
                    raise SystemExit(f"{path}: {name} writes `{top}`, outside the roots {roots}")
            engine.add_data(value, path=prefix)
        else:
            raise SystemExit(f"{path}: unexpected file {name} in the bundle")


def main():
    if sys.argv[1:] == ["--version"]:
        print(opa_version())
        return
    if len(sys.argv) != 2:
        raise SystemExit("usage: opa_eval.py BUNDLE < request.json")
    request = json.load(sys.stdin)
    with OpaEngine() as engine:
        load_bundle(engine, sys.argv[1])
        for name, text in sorted(request.get("modules", {}).items()):
            engine.add_policy(name, text)
        if request.get("data"):
            engine.add_data(request["data"])
        results = []
        for one in request["evals"]:
            try:
                results.append(engine.eval_document(one["document"], one.get("input")))
            except OpaUndefinedError:
                results.append(None)
    json.dump({"opa_version": opa_version(), "results": results}, sys.stdout)


main()

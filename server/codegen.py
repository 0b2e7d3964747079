"""Code generation from ``proto/`` into ``generated/`` (``make generate``).

Runs the protoc bundled with ``grpcio-tools`` (pinned in the ``codegen``
extra, so output is byte-for-byte reproducible) with the google/api and
google/rpc protos of the installed ``googleapis-common-protos`` package. It
writes Python messages, ``.pyi`` stubs, gRPC stubs, the descriptor set that
Envoy's transcoder loads and the OpenAPI document built from it
(``openapi.json``, served at ``/openapi.json``). ``--check`` regenerates into a
scratch folder and fails if anything differs from what is committed.

The Makefile runs this file as a script, not as ``neurogate.server.codegen``:
importing the package would import the very stubs being regenerated.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO_ROOT / "proto"
PACKAGE_PATH = Path("neurogate") / "v1"
DESCRIPTOR_NAME = "descriptor.binpb"
OPENAPI_NAME = "openapi.json"
# Compiled into the descriptor set so that Envoy can render rich error
# details (google.rpc.ErrorInfo) instead of an empty body.
EXTRA_DESCRIPTOR_PROTOS = ("google/rpc/error_details.proto",)


def _googleapis_root() -> Path:
    import google.api.annotations_pb2 as annotations

    return Path(annotations.__file__).resolve().parent.parent.parent


def _protoc(args: list[str]) -> None:
    from grpc_tools import protoc

    include = Path(protoc.__file__).resolve().parent / "_proto"
    command = ["protoc", f"-I{PROTO_ROOT}", f"-I{_googleapis_root()}", f"-I{include}", *args]
    if protoc.main(command) != 0:
        raise SystemExit(f"protoc failed: {' '.join(command)}")


def _proto_files() -> list[str]:
    return sorted(
        str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / PACKAGE_PATH).glob("*.proto")
    )


def write_descriptor_set(path: Path) -> None:
    """The API's descriptors with every import and the source comments."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _protoc(
        [
            f"--descriptor_set_out={path}",
            "--include_imports",
            "--include_source_info",
            *_proto_files(),
            *EXTRA_DESCRIPTOR_PROTOS,
        ]
    )


def write_openapi(descriptor: Path, path: Path) -> None:
    """The REST reference, from the descriptor set (``server/openapi.py``)."""
    # Loaded from its file: importing ``neurogate.server`` would import the
    # stubs being regenerated.
    spec = importlib.util.spec_from_file_location(
        "_neurogate_openapi", Path(__file__).with_name("openapi.py")
    )
    assert spec is not None and spec.loader is not None
    openapi = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(openapi)
    path.write_text(openapi.render(descriptor.read_bytes()))


def generate(out: Path) -> None:
    """Writes the generated package ``neurogate.v1`` below ``out``."""
    package = out / PACKAGE_PATH
    if package.exists():
        shutil.rmtree(package)
    package.mkdir(parents=True)
    _protoc(
        [f"--python_out={out}", f"--pyi_out={out}", f"--grpc_python_out={out}", *_proto_files()]
    )
    (package / "__init__.py").write_text(
        '"""Generated from proto/neurogate/v1 by `make generate`."""\n'
    )
    (package / "py.typed").write_text("")
    write_descriptor_set(package / DESCRIPTOR_NAME)
    write_openapi(package / DESCRIPTOR_NAME, package / OPENAPI_NAME)


def _differences(expected: Path, actual: Path) -> list[str]:
    comparison = filecmp.dircmp(expected, actual, ignore=["__pycache__"])
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: Path) -> None:
        found.extend(f"missing: {prefix / name}" for name in cmp.left_only)
        found.extend(f"not generated: {prefix / name}" for name in cmp.right_only)
        for name in cmp.common_files:
            if (Path(cmp.left) / name).read_bytes() != (Path(cmp.right) / name).read_bytes():
                found.append(f"differs: {prefix / name}")
        for name, sub in cmp.subdirs.items():
            walk(sub, prefix / name)

    walk(comparison, Path(actual.name))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="server/codegen.py")
    parser.add_argument("out", nargs="?", type=Path, help="folder to generate into")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--descriptor", type=Path, help="only write a descriptor set here")
    args = parser.parse_args(argv)
    if args.descriptor:
        write_descriptor_set(args.descriptor)
        return 0
    if args.out is None:
        parser.error("the output folder is required")
    if not args.check:
        generate(args.out)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / args.out.name
        generate(fresh)
        problems = _differences(fresh / PACKAGE_PATH, args.out / PACKAGE_PATH)
    if problems:
        print("generated/ is out of date with proto/; run `make generate`:", file=sys.stderr)
        print("\n".join(f"  {p}" for p in problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

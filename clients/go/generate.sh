#!/bin/sh
# Writes the Go stubs of proto/neurogate/v1 into DIR/neurogate/v1 (default:
# this folder), with the protoc that generated/ uses (grpcio-tools, pinned)
# and Debian's protoc-gen-go and protoc-gen-go-grpc. `make go-stubs` runs it;
# `make check-go-stubs` runs it into a scratch folder and compares.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$(realpath -m "${1:-$here}")
python=${PYTHON:-$repo/.venv/bin/python}
googleapis=$("$python" -c 'import pathlib, google.api.annotations_pb2 as a; print(pathlib.Path(a.__file__).resolve().parents[2])')
mkdir -p "$out"
cd "$repo/proto"
"$python" -m grpc_tools.protoc -I. -I"$googleapis" \
  --plugin=protoc-gen-go="$(command -v protoc-gen-go)" \
  --plugin=protoc-gen-go-grpc="$(command -v protoc-gen-go-grpc)" \
  --go_out="$out" --go_opt=module=github.com/neurogate/neurogate/clients/go \
  --go-grpc_out="$out" --go-grpc_opt=module=github.com/neurogate/neurogate/clients/go \
  neurogate/v1/*.proto

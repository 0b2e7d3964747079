#!/bin/sh
# Builds cmd/neurogate-example into OUT (default: bin/neurogate-example)
# offline, against Debian's Go sources in /usr/share/gocode (packages
# golang-google-grpc-dev, golang-google-protobuf-dev and
# golang-google-genproto-dev): GOPATH mode, as this machine has no module
# proxy. With network access, module mode works too: see README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/bin/neurogate-example}")
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
# The import path github.com/neurogate/neurogate/clients/go is this folder.
mkdir -p "$gopath/src/github.com/neurogate/neurogate/clients"
ln -s "$here" "$gopath/src/github.com/neurogate/neurogate/clients/go"
cd "$gopath/src/github.com/neurogate/neurogate/clients/go"
export GO111MODULE=off GOPATH="$gopath:${GOCODE:-/usr/share/gocode}" GOFLAGS=
go vet ./cmd/neurogate-example
go build -o "$out" ./cmd/neurogate-example

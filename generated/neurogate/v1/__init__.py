"""Generated from proto/neurogate/v1 by `make generate`."""

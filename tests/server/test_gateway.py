"""Envoy's rendered configuration: the flow-control limits that keep one
slow REST client from costing anyone else."""

from __future__ import annotations

from pathlib import Path

import yaml

from neurogate.server.gateway import render_config
from neurogate.server.settings import Settings

#: HTTP/2 flow-control windows must lie in [2^16 - 1, 2^31 - 1].
SMALLEST_WINDOW, LARGEST_WINDOW = 65_535, 2**31 - 1


def rendered(tmp_path: Path) -> dict:
    return yaml.safe_load(render_config(Settings(data_dir=tmp_path)))


def upstream_http2(config: dict) -> dict:
    (cluster,) = config["static_resources"]["clusters"]
    options = cluster["typed_extension_protocol_options"]
    http = options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    return http["explicit_http_config"]["http2_protocol_options"]


def test_stalled_streams_cannot_exhaust_the_shared_upstream_connection(tmp_path: Path):
    http2 = upstream_http2(rendered(tmp_path))
    # Every stream may hold its whole window unread; all of them together
    # still leave the connection window open for the others.
    assert (
        http2["max_concurrent_streams"] * http2["initial_stream_window_size"]
        <= http2["initial_connection_window_size"]
    )
    assert http2["initial_stream_window_size"] <= 1024 * 1024


def test_every_window_and_buffer_limit_is_set_and_valid(tmp_path: Path):
    config = rendered(tmp_path)
    (listener,) = config["static_resources"]["listeners"]
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    (cluster,) = config["static_resources"]["clusters"]
    windows = [
        *manager["http2_protocol_options"].values(),
        upstream_http2(config)["initial_stream_window_size"],
        upstream_http2(config)["initial_connection_window_size"],
    ]
    assert all(SMALLEST_WINDOW <= window <= LARGEST_WINDOW for window in windows)
    assert listener["per_connection_buffer_limit_bytes"] > 0
    assert cluster["per_connection_buffer_limit_bytes"] > 0
    (send_buffer,) = listener["socket_options"]
    assert (send_buffer["level"], send_buffer["name"]) == (1, 7)  # SOL_SOCKET, SO_SNDBUF

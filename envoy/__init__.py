"""Envoy's configuration for the REST bridge: ``envoy.yaml`` (a template the
server fills in, see ``neurogate.server.gateway``) and the Lua filter that
puts every REST error into the documented envelope."""

from pathlib import Path

CONFIG_TEMPLATE = Path(__file__).with_name("envoy.yaml")
ERROR_ENVELOPE_LUA = Path(__file__).with_name("error_envelope.lua")

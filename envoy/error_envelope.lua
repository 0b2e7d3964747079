-- NeuroGate REST error envelope (DESIGN.md section 3).
--
-- Requests: Envoy's generated request id becomes "req_<hex>" before it is
-- forwarded, so Envoy's access log, the server's log and the error envelope
-- all show the same id.
--
-- Responses: an error from the server arrives as a trailers-only gRPC
-- response whose metadata Envoy turns into headers. The server has already
-- rendered the envelope into `x-neurogate-error` and the HTTP status into
-- `x-neurogate-http-status`: this filter moves them into the body and the
-- status line (the status first: headers cannot change once the body has
-- been requested). Envoy's own errors (unknown route, bad JSON, body too
-- large, upstream down) are shaped by local_reply_config in envoy.yaml.
-- Native gRPC and gRPC-Web responses pass untouched.

local ENVELOPE = "x-neurogate-error"
local HTTP_STATUS = "x-neurogate-http-status"

function envoy_on_request(request_handle)
  local headers = request_handle:headers()
  local id = headers:get("x-request-id")
  if id ~= nil and string.sub(id, 1, 4) ~= "req_" then
    local hex = string.gsub(id, "-", "")
    headers:replace("x-request-id", "req_" .. hex)
  end
end

function envoy_on_response(response_handle)
  local headers = response_handle:headers()
  local content_type = headers:get("content-type") or ""
  if string.find(content_type, "application/grpc", 1, true) == 1 then
    return
  end
  -- gRPC protocol headers mean nothing to a REST client.
  headers:remove("grpc-status")
  headers:remove("grpc-message")
  headers:remove("grpc-accept-encoding")
  local envelope = headers:get(ENVELOPE)
  if envelope == nil then
    return
  end
  headers:remove(ENVELOPE)
  local status = headers:get(HTTP_STATUS)
  headers:remove(HTTP_STATUS)
  if status ~= nil then
    headers:replace(":status", status)
  end
  headers:replace("content-type", "application/json")
  local body = response_handle:body()
  if body ~= nil then
    body:setBytes(envelope)
  end
end

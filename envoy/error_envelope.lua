-- NeuroGate REST error envelope (DESIGN.md section 3).
--
-- Requests: Envoy's generated request id becomes "req_<hex>" before it is
-- forwarded, so Envoy's access log, the server's log and the error envelope
-- all show the same id. Headers that the gRPC server would refuse the whole
-- call for (a bare INTERNAL or DEADLINE_EXCEEDED, outside the envelope) are
-- dropped: names gRPC metadata cannot carry (HTTP also allows
-- "!#$%&'*+^`|~"), "-bin" headers whose values are not base64, and on REST
-- requests gRPC's own "grpc-" headers (grpc-timeout, grpc-encoding, ...),
-- which only gRPC and gRPC-Web callers may send.
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

local function is_base64(value)
  local digits = string.gsub(value, "=?=?$", "", 1)
  return string.find(digits, "^[A-Za-z0-9+/]*$") ~= nil and #digits % 4 ~= 1
end

local function is_grpc(headers)
  local content_type = headers:get("content-type") or ""
  return string.find(content_type, "application/grpc", 1, true) == 1
end

local function fits_grpc_metadata(key, value, grpc_caller)
  if string.sub(key, 1, 1) == ":" then
    return true
  end
  if string.find(key, "^[0-9a-z_.%-]+$") == nil then
    return false
  end
  if not grpc_caller and string.sub(key, 1, 5) == "grpc-" then
    return false
  end
  return string.sub(key, -4) ~= "-bin" or is_base64(value)
end

function envoy_on_request(request_handle)
  local headers = request_handle:headers()
  local grpc_caller = is_grpc(headers)
  local unfit = {}
  for key, value in pairs(headers) do
    if not fits_grpc_metadata(key, value, grpc_caller) then
      unfit[#unfit + 1] = key
    end
  end
  for _, key in ipairs(unfit) do
    headers:remove(key)
  end
  local id = headers:get("x-request-id")
  if id ~= nil and string.sub(id, 1, 4) ~= "req_" then
    local hex = string.gsub(id, "-", "")
    headers:replace("x-request-id", "req_" .. hex)
  end
end

function envoy_on_response(response_handle)
  local headers = response_handle:headers()
  if is_grpc(headers) then
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

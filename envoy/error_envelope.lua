-- NeuroGate REST error envelope (docs/rest.md).
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
-- status line (the status first: headers taken before body() cannot be
-- used after it). Envoy's own errors (unknown route, bad JSON, body too
-- large, upstream down) are shaped by local_reply_config in envoy.yaml.
-- A status that the gRPC library sends by itself (a call cut short by a
-- shutdown, a message over its size limit) carries no envelope: the
-- transcoder renders it as a google.rpc.Status body, {"code":14,...}, which
-- this filter turns into the envelope, its code and HTTP status from
-- LIBRARY_ERRORS. Native gRPC and gRPC-Web responses pass untouched.

local ENVELOPE = "x-neurogate-error"
local HTTP_STATUS = "x-neurogate-http-status"
-- Where the request id is kept between the request and its response.
local METADATA = "neurogate"

-- gRPC status code -> NeuroGate code and HTTP status (as in docs/rest.md).
local LIBRARY_ERRORS = {
  [1] = {"UNAVAILABLE", 503}, -- CANCELLED: the server cut the call short
  [2] = {"INTERNAL", 500}, -- UNKNOWN
  [3] = {"INVALID_PARAMETER", 400}, -- INVALID_ARGUMENT
  [4] = {"UNAVAILABLE", 504}, -- DEADLINE_EXCEEDED
  [5] = {"NOT_FOUND", 404},
  [6] = {"CONFLICT", 409}, -- ALREADY_EXISTS
  [7] = {"INSUFFICIENT_PERMISSIONS", 403}, -- PERMISSION_DENIED
  [8] = {"PAYLOAD_TOO_LARGE", 413}, -- RESOURCE_EXHAUSTED: a message over its limit
  [9] = {"INVALID_PARAMETER", 400}, -- FAILED_PRECONDITION
  [10] = {"CONFLICT", 409}, -- ABORTED
  [11] = {"INVALID_PARAMETER", 400}, -- OUT_OF_RANGE
  [12] = {"UNIMPLEMENTED", 501},
  [13] = {"INTERNAL", 500},
  [14] = {"UNAVAILABLE", 503},
  [15] = {"INTERNAL", 500}, -- DATA_LOSS
  [16] = {"UNAUTHORIZED", 401}, -- UNAUTHENTICATED
}

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
    id = "req_" .. string.gsub(id, "-", "")
    headers:replace("x-request-id", id)
  end
  if id ~= nil then
    request_handle:streamInfo():dynamicMetadata():set(METADATA, "request_id", id)
  end
end

-- The JSON string literal that follows `"key":` in `json`, quotes and
-- escapes kept (so it can be copied into other JSON as it is); nil if none.
local function json_string_after(json, key)
  local _, last = string.find(json, '"' .. key .. '"%s*:%s*"')
  if last == nil then
    return nil
  end
  local position = last + 1
  while position <= #json do
    local char = string.sub(json, position, position)
    if char == "\\" then
      position = position + 2
    elseif char == '"' then
      return string.sub(json, last, position)
    else
      position = position + 1
    end
  end
  return nil
end

-- The gRPC status code of a google.rpc.Status JSON body; nil when the body
-- is something else (an envelope already, or not JSON).
local function status_code_of(body)
  return tonumber(string.match(body, '^%s*{%s*"code"%s*:%s*(%d+)') or "")
end

-- The envelope for a google.rpc.Status JSON body with this gRPC code.
local function library_envelope(body, code, request_id)
  local name = LIBRARY_ERRORS[code][1]
  local message = json_string_after(body, "message")
  if message == nil or message == '""' then
    message = '"' .. name .. '"'
  end
  return '{"status":"error","error":{"code":"' .. name .. '","message":' .. message
    .. ',"details":{"grpc_status":' .. code .. '},"request_id":"' .. request_id
    .. '","timestamp":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ") .. '"}}'
end

local function request_id_of(response_handle)
  local kept = response_handle:streamInfo():dynamicMetadata():get(METADATA)
  return (kept and kept["request_id"]) or ""
end

-- An error response that reached REST without the envelope: the transcoder's
-- google.rpc.Status body becomes the envelope. (Headers taken before body()
-- cannot be used after it; fetched again, they can still change.)
local function wrap_library_error(response_handle)
  local body = response_handle:body()
  if body == nil then
    return
  end
  local text = body:getBytes(0, body:length())
  local code = status_code_of(text)
  local known = LIBRARY_ERRORS[code]
  if known == nil then
    return
  end
  body:setBytes(library_envelope(text, code, request_id_of(response_handle)))
  local headers = response_handle:headers()
  headers:replace(":status", tostring(known[2]))
  headers:replace("content-type", "application/json")
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
    if tonumber(headers:get(":status")) >= 400 then
      wrap_library_error(response_handle)
    end
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

-- POST {base}/competencies as create_competency.lua, each request with an Idempotency-Key of its
-- own (the floor ignores the header: the ratio is what remembering the outcome costs).
local n = 0
function request()
  n = n + 1
  local name = "bench-" .. data.run .. "-k" .. tid .. "-" .. n
  local headers = {}
  for k, v in pairs(data.json_headers) do headers[k] = v end
  headers["Idempotency-Key"] = name
  return wrk.format("POST", data.base .. "/competencies", headers, '{"name":"' .. name .. '","category":"bench"}')
end

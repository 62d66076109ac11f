-- POST {base}/competencies with a name unique to the run, the connection and the request.
local n = 0
function request()
  n = n + 1
  local body = '{"name":"bench-' .. data.run .. "-" .. tid .. "-" .. n .. '","category":"bench"}'
  return wrk.format("POST", data.base .. "/competencies", data.json_headers, body)
end

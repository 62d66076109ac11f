-- GET {base}/departments/{data.department}/matrix, as JSON or (data.accept) as CSV.
function request()
  local headers = {}
  for k, v in pairs(data.headers) do headers[k] = v end
  headers["Accept"] = data.accept
  return wrk.format("GET", data.base .. "/departments/" .. data.department .. "/matrix", headers)
end

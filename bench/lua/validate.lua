-- POST {base}/assessments/{id}/validate (no body): each connection validates its own share of
-- data.pool (proposed self-assessments, reopened before the run) once each, in order.
local mine, n = {}, 0
function on_init()
  for k, id in ipairs(data.pool) do
    if (k - 1) % data.threads == tid - 1 then table.insert(mine, id) end
  end
end
function request()
  n = n + 1
  local id = mine[(n - 1) % #mine + 1]
  return wrk.format("POST", data.base .. "/assessments/" .. id .. "/validate", data.headers)
end

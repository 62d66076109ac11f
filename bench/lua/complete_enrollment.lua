-- PATCH {base}/enrollments/{id} {"status":"completed"}: each connection completes its own share
-- of data.pool (enrollments in progress, reopened before the run) once each, in order.
local mine, n = {}, 0
function on_init()
  for k, id in ipairs(data.pool) do
    if (k - 1) % data.threads == tid - 1 then table.insert(mine, id) end
  end
end
function request()
  n = n + 1
  local id = mine[(n - 1) % #mine + 1]
  return wrk.format("PATCH", data.base .. "/enrollments/" .. id, data.patch_headers, '{"status":"completed"}')
end

-- PATCH {base}/employees/{id} with If-Match: the version this connection last saw. Each
-- connection owns its share of data.pool ({id, version} read from the database just before
-- the run) and cycles through it; a 200's ETag gives the id's next version. Every body
-- changes job_title (an unchanged record would skip the UPDATE).
local mine, versions, current, n = {}, {}, nil, 0
function on_init()
  for k, entry in ipairs(data.pool) do
    if (k - 1) % data.threads == tid - 1 then
      table.insert(mine, entry[1])
      versions[entry[1]] = entry[2]
    end
  end
end
function request()
  n = n + 1
  current = mine[(n - 1) % #mine + 1]
  local headers = {}
  for k, v in pairs(data.patch_headers) do headers[k] = v end
  headers["If-Match"] = 'W/"' .. versions[current] .. '"'
  local body = '{"job_title":"bench ' .. data.run .. " " .. tid .. " " .. n .. '"}'
  return wrk.format("PATCH", data.base .. "/employees/" .. current, headers, body)
end
function on_response(status, headers, body)
  if status == 200 then
    local tag = headers["etag"] or headers["ETag"] or headers["Etag"]
    local version = tag and string.match(tag, "(%d+)")
    if version then versions[current] = tonumber(version) end
  end
end

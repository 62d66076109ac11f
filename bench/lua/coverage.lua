-- GET {base}/departments/{id}/coverage, a random department of data.departments each time.
function request()
  local id = data.departments[math.random(#data.departments)]
  return wrk.format("GET", data.base .. "/departments/" .. id .. "/coverage", data.headers)
end

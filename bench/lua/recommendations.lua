-- GET {base}/employees/{id}/recommendations, a random (current) employee of data.ids.
function request()
  local id = data.ids[math.random(#data.ids)]
  return wrk.format("GET", data.base .. "/employees/" .. id .. "/recommendations", data.headers)
end

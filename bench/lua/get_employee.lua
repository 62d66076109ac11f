-- GET {base}/employees/{id}, a random id of data.ids each time.
function request()
  return wrk.format("GET", data.base .. "/employees/" .. data.ids[math.random(#data.ids)], data.headers)
end

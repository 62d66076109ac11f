-- POST the password grant, each connection as its own user (data.users: form-encoded emails).
local user
function on_init()
  user = data.users[(tid - 1) % #data.users + 1]
end
function request()
  local body = "grant_type=password&username=" .. user .. "&password=" .. data.password
  return wrk.format("POST", data.token_path, data.form_headers, body)
end

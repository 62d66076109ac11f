-- POST the refresh grant. Each connection starts from its own session's refresh token
-- (data.tokens[tid]) and, refresh tokens being single-use, takes the next one from each
-- answer (the floor does not rotate: its answer carries none, so the token stays).
local token
function on_init()
  token = data.tokens[tid]
end
function request()
  return wrk.format("POST", data.token_path, data.form_headers, "grant_type=refresh_token&refresh_token=" .. token)
end
function on_response(status, headers, body)
  if status == 200 then
    local next_token = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
    if next_token then token = next_token end
  end
end

-- GET {base}/employees?{data.query}: the first page, or the page a fixed cursor points at.
function request()
  return wrk.format("GET", data.base .. "/employees?" .. data.query, data.headers)
end

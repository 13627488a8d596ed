-- wrk script: requests read from $REQUESTS, one per line: METHOD<TAB>path[<TAB>JSON body];
-- $AUTH, when set, is sent as the Authorization header.
local lines = {}
for line in io.lines(os.getenv("REQUESTS")) do
  lines[#lines + 1] = line
end
local auth = os.getenv("AUTH")
math.randomseed(20261123)
request = function()
  local method, path, body = lines[math.random(#lines)]:match("^(%u+)\t([^\t]+)\t?(.*)$")
  local headers = {}
  if auth and auth ~= "" then headers["Authorization"] = auth end
  if body ~= "" then
    headers["Content-Type"] = "application/json"
    return wrk.format(method, path, headers, body)
  end
  return wrk.format(method, path, headers)
end

-- wrk script: GET /api/v1/lookup at points read from $POINTS (one "lon=..&lat=.." per line)
local points = {}
for line in io.lines(os.getenv("POINTS")) do
  points[#points + 1] = line
end
math.randomseed(20240601)
request = function()
  return wrk.format("GET", "/api/v1/lookup?" .. points[math.random(#points)])
end

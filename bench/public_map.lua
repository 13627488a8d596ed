-- wrk script: GET $GRIDMAP_WRK_PATH?<line> for lines read from $POINTS
local lines = {}
for line in io.lines(os.getenv("POINTS")) do
  lines[#lines + 1] = line
end
local path = os.getenv("GRIDMAP_WRK_PATH")
math.randomseed(20240601)
request = function()
  return wrk.format("GET", path .. "?" .. lines[math.random(#lines)])
end

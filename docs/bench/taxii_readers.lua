-- wrk script for docs/bench/taxii.sh: concurrent TAXII readers. Each request asks for one
-- page of indicators (match[type], limit) added after a random page boundary read from
-- the file named by TAXII_AFTERS (one timestamp per line, written by taxii_load.py page).
local afters = {}
local path = os.getenv("TAXII_PATH")
local limit = os.getenv("TAXII_LIMIT") or "1000"

function init(args)
  for line in io.lines(os.getenv("TAXII_AFTERS")) do
    if #line > 0 then afters[#afters + 1] = line end
  end
  math.randomseed(os.time())
end

function request()
  local a = afters[math.random(#afters)]
  return wrk.format("GET", path .. "?match[type]=indicator&limit=" .. limit .. "&added_after=" .. a)
end

-- Every live vehicle's state (or those in a box), with the feed's position, atomically.
-- KEYS: 1 seq, 2 geo, 3 last, 4 epoch
-- ARGV: 1 prefix, 2 epoch if none yet, 3 'all' or 'box', then for 'box': center lon,
--   center lat, width m, height m (what GEOSEARCH scans), min lon, min lat, max lon,
--   max lat (the exact filter)
-- Returns {epoch, seq, '[V,...]', count}: the states' JSON joined on the server.
local prefix = ARGV[1]
redis.call('SET', KEYS[4], ARGV[2], 'NX')
local epoch = redis.call('GET', KEYS[4])
local seq = redis.call('GET', KEYS[1]) or '0'
local ids
local box = ARGV[3] == 'box'
local x0, y0, x1, y1
if box then
  ids = redis.call('GEOSEARCH', KEYS[2], 'FROMLONLAT', ARGV[4], ARGV[5],
    'BYBOX', ARGV[6], ARGV[7], 'm')
  x0, y0, x1, y1 = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
else
  ids = redis.call('ZRANGE', KEYS[3], 0, -1)
end
local out = {}
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', prefix .. 'v:' .. id, 'v', 'x', 'y')
  if h[1] then
    if not box then
      out[#out + 1] = h[1]
    else
      local x, y = tonumber(h[2]), tonumber(h[3])
      if x >= x0 and x <= x1 and y >= y0 and y <= y1 then out[#out + 1] = h[1] end
    end
  end
end
return {epoch, seq, '[' .. table.concat(out, ',') .. ']', #out}

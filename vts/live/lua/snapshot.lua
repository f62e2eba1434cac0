-- The live vehicles in a box, with the feed's position, atomically (the whole fleet is
-- read without a script: vts.live.store.LiveStore.snapshot).
-- KEYS: 1 seq, 2 geo, 3 last, 4 epoch, 5 vj (vehicle -> its state's JSON), 6 k (vehicle ->
--   "t_us rank event_id lon lat seq")
-- ARGV: 1 prefix, 2 epoch if none yet, 3 'box', then center lon, center lat, width m,
--   height m (what GEOSEARCH scans), min lon, min lat, max lon, max lat (the exact filter)
-- Returns {epoch, seq, {V, ...}}: the states' JSON texts, joined by the caller (Lua's
-- table.concat is slower than the client's join).
redis.call('SET', KEYS[4], ARGV[2], 'NX')
local epoch = redis.call('GET', KEYS[4])
local seq = redis.call('GET', KEYS[1]) or '0'
local out = {}
if ARGV[3] == 'box' then
  local ids = redis.call('GEOSEARCH', KEYS[2], 'FROMLONLAT', ARGV[4], ARGV[5],
    'BYBOX', ARGV[6], ARGV[7], 'm')
  local x0, y0 = tonumber(ARGV[8]), tonumber(ARGV[9])
  local x1, y1 = tonumber(ARGV[10]), tonumber(ARGV[11])
  local inside = {}
  for at = 1, #ids, 1000 do  -- unpack takes a few thousand values at once
    local part = redis.call('HMGET', KEYS[6], unpack(ids, at, math.min(at + 999, #ids)))
    for j, key in ipairs(part) do
      if key then
        local x, y = string.match(key, '^%S+ %S+ %S+ (%S+) (%S+)')
        x, y = tonumber(x), tonumber(y)
        if x >= x0 and x <= x1 and y >= y0 and y <= y1 then inside[#inside + 1] = ids[at + j - 1] end
      end
    end
  end
  for at = 1, #inside, 1000 do  -- unpack takes a few thousand values at once
    local part = redis.call('HMGET', KEYS[5], unpack(inside, at, math.min(at + 999, #inside)))
    for _, v in ipairs(part) do
      if v then out[#out + 1] = v end
    end
  end
end
return {epoch, seq, out}

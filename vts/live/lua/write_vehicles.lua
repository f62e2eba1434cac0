-- Newest event time wins: write each vehicle's coalesced state of one batch.
-- KEYS: 1 seq, 2 geo, 3 last (vehicle -> newest event ms), 4 feed, 5 gone, 6 epoch,
--   7 vj (vehicle -> its state's JSON)
-- ARGV: 1 prefix, 2 silence_ms (0: never), 3 trail_us, 4 epoch if none yet, 5 the vehicles,
--   MessagePack: an array of {id, t_us, rank, event_id, lon, lat, json, trail}, trail a
--   flat array {t_us, point, t_us, point, ...} (t_us, lon and lat as decimal text)
-- A state replaces the stored one only if (t_us, rank, event_id) is greater, so a replay,
-- duplicate or reordered batch never moves a vehicle back in time. Trail points newer
-- than the stored state are added; points more than trail_us behind the newest state are
-- trimmed on one write in TRIM_EVERY (readers filter by the same bound, so a trail never
-- shows more than trail_us; trimming on every write cost a call per vehicle).
-- The shared keys (geo, last, feed, gone, vj) take the whole call's vehicles in one
-- command each, after the loop: per vehicle only its own keys cost a command (HMGET, HSET
-- and the trail's ZADD). A vehicle written twice in one call (the caller coalesces, so it
-- should not be) still ends at its newest state: its later, newer arguments come last.
-- Numbers stay text where they are stored (Lua would print them with 14 digits).
local TRIM_EVERY = 8
local prefix, silence, trail_us = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
local first_seq = seq
local written, older, stale = 0, 0, 0
local geo, last, feed, new, vj = {}, {}, {}, {}, {}  -- the shared keys' arguments
for _, v in ipairs(cmsgpack.unpack(ARGV[5])) do
  local id, t_text, rank, event_id, lon, lat, json, trail =
    v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]
  local t_us = tonumber(t_text)
  if silence > 0 and t_us < (now_ms - silence) * 1000 then
    stale = stale + 1
  else
    local key = prefix .. 'v:' .. id
    local cur = redis.call('HMGET', key, 't', 'r', 'e')
    local cur_t = tonumber(cur[1] or '-1')
    local newer = not cur[1] or t_us > cur_t or (t_us == cur_t and
      (rank > tonumber(cur[2]) or (rank == tonumber(cur[2]) and event_id > cur[3])))
    local newest = cur_t
    if newer then
      seq = seq + 1
      local s = string.format('%d', seq)
      redis.call('HSET', key, 't', t_text, 'r', rank, 'e', event_id, 'x', lon, 'y', lat, 's', s)
      -- the geo index holds latitudes up to 85.05112878 degrees: clamp (x, y stay exact)
      local geo_y = math.max(-85.05112878, math.min(85.05112878, tonumber(lat)))
      local n = #geo
      geo[n + 1], geo[n + 2], geo[n + 3] = lon, string.format('%.8f', geo_y), id
      n = #last
      last[n + 1], last[n + 2] = string.format('%d', math.floor(t_us / 1000)), id
      n = #feed
      feed[n + 1], feed[n + 2] = s, 'v|' .. id
      n = #vj
      vj[n + 1], vj[n + 2] = id, json
      if not cur[1] then new[#new + 1] = id end
      written = written + 1
      newest = t_us
    else
      older = older + 1
    end
    local points = {}
    for k = 1, #trail, 2 do
      if tonumber(trail[k]) > cur_t then
        points[#points + 1] = trail[k]
        points[#points + 1] = trail[k + 1]
      end
    end
    if #points > 0 then
      local key_trail = prefix .. 't:' .. id
      redis.call('ZADD', key_trail, unpack(points))
      if seq % TRIM_EVERY == 0 then
        redis.call('ZREMRANGEBYSCORE', key_trail, '-inf',
          '(' .. string.format('%d', newest - trail_us))
      end
    end
  end
end
if #geo > 0 then
  redis.call('GEOADD', KEYS[2], unpack(geo))
  redis.call('ZADD', KEYS[3], unpack(last))
  redis.call('ZADD', KEYS[4], unpack(feed))
  redis.call('HSET', KEYS[7], unpack(vj))
end
if #new > 0 then redis.call('ZREM', KEYS[5], unpack(new)) end
if seq ~= first_seq then redis.call('SET', KEYS[1], string.format('%d', seq)) end
redis.call('SET', KEYS[6], ARGV[4], 'NX')
return {written, older, stale}

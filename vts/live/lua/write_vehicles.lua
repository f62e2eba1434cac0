-- Newest event time wins: write each vehicle's coalesced state of one batch.
-- KEYS: 1 seq, 2 geo, 3 last (vehicle -> newest event ms), 4 feed, 5 gone, 6 epoch,
--   7 vj (vehicle -> its state's JSON), 8 k (vehicle -> its state's key and position:
--   "t_us rank event_id lon lat seq", the change that wrote it last)
-- ARGV: 1 prefix, 2 silence_ms (0: never), 3 trail_us, 4 epoch if none yet, 5 the vehicles,
--   MessagePack: their columns {ids, t_us, ranks, event_ids, lons, lats, JSON lengths,
--   trails}, a trail a flat array {t_us, point, t_us, point, ...} or, when it is one point
--   at the state's own time, that point's text (t_us, lon and lat as decimal text), 6 the
--   states' JSON texts, one after the other (each its length long)
-- A state replaces the stored one only if (t_us, rank, event_id) is greater, so a replay,
-- duplicate or reordered batch never moves a vehicle back in time. Trail points newer
-- than the stored state are added; points more than trail_us behind the newest state are
-- trimmed on one write in TRIM_EVERY (readers filter by the same bound, so a trail never
-- shows more than trail_us; trimming on every write cost a call per vehicle).
-- Every shared key (k, vj, geo, last, feed, gone) is read or written for the whole call's
-- vehicles in one command: per vehicle only its trail costs a command of its own (ZADD).
-- A vehicle given twice in one call (the caller coalesces, so it should not be) is
-- compared with its state as this call left it.
-- Numbers stay text where they are stored (Lua would print them with 14 digits).
local TRIM_EVERY = 8
local prefix, silence, trail_us = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
local first_seq = seq
local written, older, stale = 0, 0, 0
local c, blob = cmsgpack.unpack(ARGV[5]), ARGV[6]
local ids, times, ranks, event_ids, lons, lats, lengths, trails =
  c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]
if #ids == 0 then return {0, 0, 0} end
local stored = redis.call('HMGET', KEYS[8], unpack(ids))
local mine = {}  -- id -> its key text as this call left it
local keys, geo, last, feed, new, vj = {}, {}, {}, {}, {}, {}  -- the shared keys' arguments
local at = 1  -- the next JSON's first byte in blob
for i, id in ipairs(ids) do
  local t_text, rank, event_id, lon, lat, length, trail =
    times[i], ranks[i], event_ids[i], lons[i], lats[i], lengths[i], trails[i]
  local json_at = at
  at = at + length
  local t_us = tonumber(t_text)
  if silence > 0 and t_us < (now_ms - silence) * 1000 then
    stale = stale + 1
  else
    local cur_key = mine[id] or stored[i]
    local cur_t, cur_rank, cur_event = -1, nil, nil
    if cur_key then
      local t, r, e = string.match(cur_key, '^(%S+) (%S+) (%S+)')
      cur_t, cur_rank, cur_event = tonumber(t), tonumber(r), e
    end
    local newer = not cur_key or t_us > cur_t or (t_us == cur_t and
      (rank > cur_rank or (rank == cur_rank and event_id > cur_event)))
    local newest = cur_t
    if newer then
      seq = seq + 1
      local s = string.format('%d', seq)
      local key = t_text .. ' ' .. rank .. ' ' .. event_id .. ' ' .. lon .. ' ' .. lat .. ' ' .. s
      local n = #keys
      keys[n + 1], keys[n + 2] = id, key
      -- the geo index's copy is clamped to +-85.05 degrees (store_reads.GEO_MAX_LAT: the
      -- index takes up to 85.05112878, but GEOSEARCH misses a point at that very limit);
      -- the state and its key keep the exact position
      local geo_y = lat
      local y = tonumber(lat)
      if y > 85.05 or y < -85.05 then
        geo_y = y > 0 and '85.05' or '-85.05'
      end
      n = #geo
      geo[n + 1], geo[n + 2], geo[n + 3] = lon, geo_y, id
      n = #last
      last[n + 1], last[n + 2] = string.format('%d', math.floor(t_us / 1000)), id
      n = #feed
      feed[n + 1], feed[n + 2] = s, 'v|' .. id
      n = #vj
      vj[n + 1], vj[n + 2] = id, string.sub(blob, json_at, json_at + length - 1)
      if not cur_key then new[#new + 1] = id end
      mine[id] = key
      written = written + 1
      newest = t_us
    else
      older = older + 1
    end
    local points = nil  -- the trail's points newer than the stored state
    if type(trail) == 'string' then  -- one point, at the state's own time
      if t_us > cur_t then points = {t_text, trail} end
    else
      for j = 1, #trail, 2 do
        if tonumber(trail[j]) > cur_t then
          points = points or {}
          points[#points + 1] = trail[j]
          points[#points + 1] = trail[j + 1]
        end
      end
    end
    if points then
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
  redis.call('HSET', KEYS[8], unpack(keys))
  redis.call('HSET', KEYS[7], unpack(vj))
  redis.call('GEOADD', KEYS[2], unpack(geo))
  redis.call('ZADD', KEYS[3], unpack(last))
  redis.call('ZADD', KEYS[4], unpack(feed))
end
if #new > 0 then redis.call('ZREM', KEYS[5], unpack(new)) end
if seq ~= first_seq then redis.call('SET', KEYS[1], string.format('%d', seq)) end
redis.call('SET', KEYS[6], ARGV[4], 'NX')
return {written, older, stale}

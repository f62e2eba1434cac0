-- Newest event time wins: write each vehicle's coalesced state of one batch.
-- KEYS: 1 seq, 2 geo, 3 last (vehicle -> newest event ms), 4 feed, 5 gone, 6 epoch,
--   7 vj (vehicle -> its state's JSON), 8 k (vehicle -> its state's key and position:
--   "<order key> lon lat seq", the change that wrote it last)
-- ARGV: 1 prefix, 2 silence_ms (0: never), 3 trail_us, 4 epoch if none yet, 5 the vehicles,
--   MessagePack: their columns {ids, order keys, lons, lats, geo lats (index -> the
--   latitude clamped for the geo index, only where it differs), JSON lengths, trails},
--   6 the states' JSON texts, one after the other (each its length long)
-- An order key is "<event time us, 16 digits> <topic rank> <event_id>" (vts.live.states:
--   fixed widths, so comparing the texts compares (time, rank, event_id)); a trail is a
--   flat array {t, member, t, member, ...} (t: 16 digits; a member is
--   "<t> <lon> <lat> <speed>", vts.live.states.trail_member) or, when it is one point at
--   the state's own time, only its speed's text (the member is made here).
-- A state replaces the stored one only if its order key is greater, so a replay,
-- duplicate or reordered batch never moves a vehicle back in time. Trail points newer
-- than the stored state are added; points more than trail_us behind the newest state are
-- trimmed on one write in TRIM_EVERY (readers filter by the same bound, so a trail never
-- shows more than trail_us; trimming on every write cost a call per vehicle).
-- Every shared key (k, vj, geo, last, feed, gone) is read or written for the whole call's
-- vehicles in one command: per vehicle only its trail costs a command of its own (ZADD).
-- A vehicle given twice in one call (the caller coalesces, so it should not be) is
-- compared with its state as this call left it.
-- The work is text: the Lua of Debian's redis-server 7.0 hashes every byte of every string
-- it makes, and a number given to a command is printed first, so keys compare as texts,
-- times go as the digits the commands take, and the loop makes as few strings as it can.
local TRIM_EVERY = 8
local prefix, silence, trail_us = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
local first_seq = seq
local written, older, stale = 0, 0, 0
local c, blob = cmsgpack.unpack(ARGV[5]), ARGV[6]
local ids, okeys, lons, lats, geo_lats, lengths, trails = c[1], c[2], c[3], c[4], c[5], c[6], c[7]
if #ids == 0 then return {0, 0, 0} end
-- an order key below this one is older than the silence ('': nothing is)
local oldest = silence > 0 and string.format('%016d', (now_ms - silence) * 1000) or ''
local stored = redis.call('HMGET', KEYS[8], unpack(ids))
local mine = {}  -- id -> its key text as this call left it
local keys, geo, last, feed, new, vj = {}, {}, {}, {}, {}, {}  -- the shared keys' arguments
local nk, ng, nl, nf, nn, nv = 0, 0, 0, 0, 0, 0
local at = 1  -- the next JSON's first byte in blob
for i, id in ipairs(ids) do
  local okey, length = okeys[i], lengths[i]
  local json_at = at
  at = at + length
  if okey < oldest then
    stale = stale + 1
  else
    local cur_key = mine[id] or stored[i]
    local t = string.sub(okey, 1, 16)
    local cur_t = cur_key and string.sub(cur_key, 1, 16) or ''
    local newest = cur_t
    local lon, lat = lons[i], lats[i]
    if not cur_key or okey > cur_key then
      seq = seq + 1
      local s = string.format('%d', seq)
      local key = okey .. ' ' .. lon .. ' ' .. lat .. ' ' .. s
      keys[nk + 1], keys[nk + 2] = id, key
      nk = nk + 2
      -- the geo index's copy is clamped to +-85.05 degrees (store_reads.GEO_MAX_LAT: the
      -- index takes up to 85.05112878, but GEOSEARCH misses a point at that very limit);
      -- the state and its key keep the exact position
      geo[ng + 1], geo[ng + 2], geo[ng + 3] = lon, geo_lats[i] or lat, id
      ng = ng + 3
      last[nl + 1], last[nl + 2] = string.sub(okey, 1, 13), id  -- the time in ms
      nl = nl + 2
      feed[nf + 1], feed[nf + 2] = s, 'v|' .. id
      nf = nf + 2
      vj[nv + 1], vj[nv + 2] = id, string.sub(blob, json_at, json_at + length - 1)
      nv = nv + 2
      if not cur_key then
        nn = nn + 1
        new[nn] = id
      end
      mine[id] = key
      written = written + 1
      newest = t
    else
      older = older + 1
    end
    local trail, points = trails[i], nil  -- the trail's points newer than the stored state
    if type(trail) == 'string' then  -- one point, at the state's own time: its speed
      if t > cur_t then points = {t, t .. ' ' .. lon .. ' ' .. lat .. ' ' .. trail} end
    else
      for j = 1, #trail, 2 do
        if trail[j] > cur_t then
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
          '(' .. string.format('%d', tonumber(newest) - trail_us))
      end
    end
  end
end
if ng > 0 then
  redis.call('HSET', KEYS[8], unpack(keys))
  redis.call('HSET', KEYS[7], unpack(vj))
  redis.call('GEOADD', KEYS[2], unpack(geo))
  redis.call('ZADD', KEYS[3], unpack(last))
  redis.call('ZADD', KEYS[4], unpack(feed))
end
if nn > 0 then redis.call('ZREM', KEYS[5], unpack(new)) end
if seq ~= first_seq then redis.call('SET', KEYS[1], string.format('%d', seq)) end
redis.call('SET', KEYS[6], ARGV[4], 'NX')
return {written, older, stale}

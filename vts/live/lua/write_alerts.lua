-- The live alerts of a batch (or of a silence sweep), with the rules' carried state, in
-- one atomic step: a batch the handler retries, or a window replayed later, writes the
-- same states and the same alerts, and an alert whose JSON did not change is not a change
-- (no new sequence). Then the feed is trimmed to its bounds.
-- KEYS: 1 alert seq, 2 alerts (hash id -> JSON), 3 alert feed (zset id by seq),
--       4 rule states (hash vehicle -> JSON), 5 epoch, 6 due (zset vehicle by the ms it
--       falls silent), 7 alert write times (zset id by server ms), 8 alert floor
-- ARGV: 1 epoch if none yet, 2 alerts kept (0: any number), 3 alert ttl ms (0: forever),
--       4 key prefix, 5 fix trail us, 6 n vehicles, then per vehicle: id, check ('1': only
--       if its stored state is the next argument ('' none), else skip it whole), expected
--       state, new state ('' keeps it), due ms ('' none), n fixes, then t_us, fix per fix
--       (added to the vehicle's fix trail, prefix .. 'af:' .. id, which keeps fix trail us
--       behind its newest fix: the near_incident look-back, vts.live.lookback), n alerts,
--       then alert id, JSON per alert
-- Returns the number of alerts written anew.
redis.call('SET', KEYS[5], ARGV[1], 'NX')
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local kept, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
local prefix, trail_us = ARGV[4], tonumber(ARGV[5])
local i = 7
local changed = 0
for _ = 1, tonumber(ARGV[6]) do
  local vehicle, check, expected, state, due = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local fixes = tonumber(ARGV[i + 5])
  local first_fix = i + 6
  i = first_fix + 2 * fixes
  local n = tonumber(ARGV[i])
  i = i + 1
  local ok = check ~= '1' or (redis.call('HGET', KEYS[4], vehicle) or '') == expected
  if ok then
    if fixes > 0 then
      local key, newest, points = prefix .. 'af:' .. vehicle, nil, {}
      for j = first_fix, first_fix + 2 * fixes - 1, 2 do
        points[#points + 1], points[#points + 2] = ARGV[j], ARGV[j + 1]
        local t = tonumber(ARGV[j])
        if not newest or t > newest then newest = t end
      end
      redis.call('ZADD', key, unpack(points))
      redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. string.format('%d', newest - trail_us))
    end
    if state ~= '' then redis.call('HSET', KEYS[4], vehicle, state) end
    if due == '' then
      redis.call('ZREM', KEYS[6], vehicle)
    else
      redis.call('ZADD', KEYS[6], due, vehicle)
    end
    for _ = 1, n do
      local id, json = ARGV[i], ARGV[i + 1]
      local old = redis.call('HGET', KEYS[2], id)
      if old ~= json then
        local seq = redis.call('INCR', KEYS[1])
        if not old then redis.call('HSET', KEYS[9], id, seq) end
        redis.call('HSET', KEYS[2], id, json)
        redis.call('ZADD', KEYS[3], seq, id)
        redis.call('ZADD', KEYS[7], now_ms, id)
        changed = changed + 1
      end
      i = i + 2
    end
  else
    i = i + 2 * n
  end
end
-- Retention: the alerts least recently written go first; the floor is the newest sequence
-- dropped, and a cursor below it must start again (reset).
local floor = tonumber(redis.call('GET', KEYS[8]) or '0')
local function drop(ids)
  for _, id in ipairs(ids) do
    local seq = tonumber(redis.call('ZSCORE', KEYS[3], id) or '0')
    if seq > floor then floor = seq end
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
    redis.call('ZREM', KEYS[7], id)
    redis.call('HDEL', KEYS[9], id)
  end
  return #ids
end
local dropped = 0
if ttl > 0 then
  dropped = dropped + drop(redis.call('ZRANGEBYSCORE', KEYS[7], '-inf',
    '(' .. string.format('%d', now_ms - ttl), 'LIMIT', 0, 10000))
end
if kept > 0 then
  local extra = redis.call('ZCARD', KEYS[3]) - kept
  if extra > 0 then
    dropped = dropped + drop(redis.call('ZRANGE', KEYS[3], 0, extra - 1))
  end
end
if dropped > 0 then redis.call('SET', KEYS[8], string.format('%d', floor)) end
return changed

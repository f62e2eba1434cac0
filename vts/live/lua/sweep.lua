-- Expiry: vehicles whose newest event time is older than the silence leave the live
-- state (with its trail and its alerts' fix trail) and enter the change feed's removals;
-- incidents older than their ttl are dropped.
-- KEYS: 1 seq, 2 geo, 3 last, 4 feed, 5 gone, 6 floor, 7 incidents, 8 active, 9 vj, 10 k
-- ARGV: 1 prefix, 2 silence_ms (0: never), 3 incident ttl_ms (0: never), 4 limit,
--   5 removals kept
-- The feed keeps the newest `removals kept` removals; the floor is the sequence of the
-- newest one it forgot, and a cursor below it must start again from a snapshot.
local prefix, silence, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local limit, kept = tonumber(ARGV[4]), tonumber(ARGV[5])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local removed, dropped = 0, 0
if silence > 0 then
  local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf',
    '(' .. string.format('%d', now_ms - silence), 'LIMIT', 0, limit)
  if #ids > 0 then
    local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
    for _, id in ipairs(ids) do
      seq = seq + 1
      redis.call('DEL', prefix .. 't:' .. id, prefix .. 'af:' .. id)
      redis.call('HDEL', KEYS[10], id)
      redis.call('ZREM', KEYS[2], id)
      redis.call('ZREM', KEYS[3], id)
      redis.call('ZREM', KEYS[4], 'v|' .. id)
      redis.call('HDEL', KEYS[9], id)
      redis.call('ZADD', KEYS[5], string.format('%d', seq), id)
    end
    redis.call('SET', KEYS[1], string.format('%d', seq))
    removed = #ids
    local extra = redis.call('ZCARD', KEYS[5]) - kept
    if extra > 0 then
      local last = redis.call('ZRANGE', KEYS[5], extra - 1, extra - 1, 'WITHSCORES')
      redis.call('ZREMRANGEBYRANK', KEYS[5], 0, extra - 1)
      redis.call('SET', KEYS[6], last[2])
    end
  end
end
if ttl > 0 then
  local ids = redis.call('ZRANGEBYSCORE', KEYS[7], '-inf',
    '(' .. string.format('%d', now_ms - ttl), 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    redis.call('DEL', prefix .. 'i:' .. id)
    redis.call('ZREM', KEYS[7], id)
    redis.call('ZREM', KEYS[8], id)
    redis.call('ZREM', KEYS[4], 'i|' .. id)
  end
  dropped = #ids
end
return {removed, dropped}

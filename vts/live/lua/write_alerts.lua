-- The live alerts of a batch, with the rules' carried state, in one atomic step: a batch
-- the handler retries, or a window replayed later, writes the same states and the same
-- alerts, and an alert whose JSON did not change is not a change (no new sequence).
-- KEYS: 1 alert seq, 2 alerts (hash id -> JSON), 3 alert feed (zset id by seq),
--       4 rule states (hash vehicle -> JSON), 5 epoch
-- ARGV: 1 epoch if none yet, 2 n states, then vehicle, state JSON;
--       then n alerts, then id, JSON
redis.call('SET', KEYS[5], ARGV[1], 'NX')
local i = 3
for _ = 1, tonumber(ARGV[2]) do
  redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])
  i = i + 2
end
local n = tonumber(ARGV[i])
i = i + 1
local changed = 0
for _ = 1, n do
  local id, json = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[2], id) ~= json then
    local seq = redis.call('INCR', KEYS[1])
    redis.call('HSET', KEYS[2], id, json)
    redis.call('ZADD', KEYS[3], seq, id)
    changed = changed + 1
  end
  i = i + 2
end
return changed

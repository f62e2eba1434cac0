-- Newest event time wins for incidents too; a Resolved one leaves the active set.
-- KEYS: 1 seq, 2 incidents (all, id -> newest event ms), 3 active, 4 feed, 5 epoch
-- ARGV: 1 prefix, 2 ttl_ms (0: never), 3 epoch if none yet, 4 n, then per incident:
--   id, t_us, event_id, status, json
local prefix, ttl = ARGV[1], tonumber(ARGV[2])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
local first_seq = seq
local written, older, stale = 0, 0, 0
local i = 5
for _ = 1, tonumber(ARGV[4]) do
  local id, t_text, event_id, status = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local t_us = tonumber(t_text)
  if ttl > 0 and t_us < (now_ms - ttl) * 1000 then
    stale = stale + 1
  else
    local key = prefix .. 'i:' .. id
    local cur = redis.call('HMGET', key, 't', 'e')
    local cur_t = tonumber(cur[1] or '-1')
    if not cur[1] or t_us > cur_t or (t_us == cur_t and event_id > cur[2]) then
      seq = seq + 1
      local s = string.format('%d', seq)
      local ms = string.format('%d', math.floor(t_us / 1000))
      redis.call('HSET', key, 't', t_text, 'e', event_id, 'v', ARGV[i + 4], 's', s)
      redis.call('ZADD', KEYS[2], ms, id)
      if status == 'Resolved' then
        redis.call('ZREM', KEYS[3], id)
      else
        redis.call('ZADD', KEYS[3], ms, id)
      end
      redis.call('ZADD', KEYS[4], s, 'i|' .. id)
      written = written + 1
    else
      older = older + 1
    end
  end
  i = i + 5
end
if seq ~= first_seq then redis.call('SET', KEYS[1], string.format('%d', seq)) end
redis.call('SET', KEYS[5], ARGV[3], 'NX')
return {written, older, stale}

-- The stream's clock and the vehicles that have fallen silent by it (vts.live.silence).
-- KEYS: 1 clocks (hash "<topic>-<partition>" -> "<newest event ms>:<server ms it came>"),
--       2 due (zset vehicle by the ms it falls silent)
-- ARGV: 1 silent gap ms, 2 limit, 3 n, then partition, newest event ms (this batch's)
-- A partition's clock is its newest event time, moved on by the time since it came when
-- it came less than the gap late (a live stream); a replay of the past moves only with
-- its events. The stream's clock is the least of its partitions', never past the server's.
-- Returns {} without a clock, else {clock ms, vehicle, ...} (those due by it, oldest first).
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local gap = tonumber(ARGV[1])
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local part, event = ARGV[i], tonumber(ARGV[i + 1])
  local old = redis.call('HGET', KEYS[1], part)
  if not old or event > tonumber(string.match(old, '^(-?%d+)')) then
    redis.call('HSET', KEYS[1], part, string.format('%d:%d', event, now_ms))
  end
  i = i + 2
end
local clock = nil
local all = redis.call('HGETALL', KEYS[1])
for j = 2, #all, 2 do
  local e, w = string.match(all[j], '^(-?%d+):(-?%d+)$')
  e, w = tonumber(e), tonumber(w)
  local c = e
  if w - e < gap then c = e + (now_ms - w) end
  if not clock or c < clock then clock = c end
end
if not clock then return {} end
if clock > now_ms then clock = now_ms end
local out = {string.format('%d', clock)}
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', clock), 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do out[#out + 1] = id end
return out

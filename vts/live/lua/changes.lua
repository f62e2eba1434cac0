-- What changed after a cursor: cost O(log N + changes), never a scan of the fleet.
-- KEYS: 1 seq, 2 feed, 3 gone, 4 floor, 5 epoch, 6 vj (vehicle -> its state's JSON)
-- ARGV: 1 prefix, 2 epoch if none yet, 3 the cursor's epoch, 4 the cursor's sequence
-- Returns {epoch, seq, 'reset'} when the cursor is of another epoch (the store was
-- emptied), below the floor (removals it needs were forgotten) or ahead of the feed;
-- else {epoch, seq, 'ok', {V, ...}, {I, ...}, removed id, ...}: the states' JSON texts,
-- joined by the caller (Lua's table.concat is slower than the client's join).
local prefix = ARGV[1]
redis.call('SET', KEYS[5], ARGV[2], 'NX')
local epoch = redis.call('GET', KEYS[5])
local seq = redis.call('GET', KEYS[1]) or '0'
local floor = tonumber(redis.call('GET', KEYS[4]) or '0')
local after = tonumber(ARGV[4])
if ARGV[3] ~= epoch or after < floor or after > tonumber(seq) then
  return {epoch, seq, 'reset'}
end
local ids, vehicles, incidents = {}, {}, {}
local members = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[4], '+inf')
for _, member in ipairs(members) do
  local kind, id = string.sub(member, 1, 1), string.sub(member, 3)
  if kind == 'v' then
    ids[#ids + 1] = id
  else
    local v = redis.call('HGET', prefix .. 'i:' .. id, 'v')
    if v then incidents[#incidents + 1] = v end
  end
end
for at = 1, #ids, 1000 do  -- unpack takes a few thousand values at once
  local part = redis.call('HMGET', KEYS[6], unpack(ids, at, math.min(at + 999, #ids)))
  for _, v in ipairs(part) do
    if v then vehicles[#vehicles + 1] = v end
  end
end
local out = {epoch, seq, 'ok', vehicles, incidents}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[4], '+inf')) do
  out[#out + 1] = id
end
return out

"""The Lua scripts that make each Redis session write one atomic step.

Every write script takes the session's three keys, in this order, and refreshes the TTL
of all of them before it returns:

    KEYS[1]  meta    hash: session_id, title, created_at, last_activity, turn_count,
                     summary, folded_turns, generation, v, and one `p:{user_id}` field
                     (display name) per participant
    KEYS[2]  turns   list: one JSON turn record per turn, oldest first; only ever
                     RPUSHed (append) or LTRIMmed from the front (fold)
    KEYS[3]  enrich  hash: `{turn_id}` = "1" for every live turn, `{turn_id}:s` its
                     summary and `{turn_id}:e` its raw float32 embedding, both filled in
                     after the turn was appended

The three share one hash tag, so a script may touch them all on Redis Cluster. The rules
mirror `store_logic` (generation check, fold compare-and-set); the turn-record layout
(the turn id first) comes from `records.encode_record`.
"""

from __future__ import annotations

from dexter_core.sessions.models import SCHEMA_VERSION

_HELPERS = r"""
local function touch(ttl_ms)
  for _, key in ipairs(KEYS) do
    if ttl_ms > 0 then
      redis.call('PEXPIRE', key, ttl_ms)
    else
      redis.call('PERSIST', key)
    end
  end
end

-- Records start with their turn id, so it is found without decoding a (possibly 1 MB)
-- record; anything else is decoded, and a record that is not JSON has no id.
local function turn_id_of(record)
  local id = string.match(record, '^{"turn_id":"([^"\\]*)"')
  if id then
    return id
  end
  local ok, decoded = pcall(cjson.decode, record)
  if ok and type(decoded) == 'table' and type(decoded.turn_id) == 'string' then
    return decoded.turn_id
  end
  return nil
end
"""


def _script(body: str) -> str:
    return _HELPERS + body.replace("$SCHEMA_VERSION", str(SCHEMA_VERSION))


# ARGV: record, turn_id, embedding ('' for none), if_generation ('' for none), ttl_ms,
# session_id, title, created_at, user_id, user_name.  Returns 1 if stored, 0 if dropped.
APPEND = _script(
    r"""
local state = redis.call('HMGET', KEYS[1], 'generation', 'last_activity')
local generation = tonumber(state[1] or '0')
if ARGV[4] ~= '' and tonumber(ARGV[4]) ~= generation then
  return 0
end
redis.call('RPUSH', KEYS[2], ARGV[1])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[2], '1', ARGV[2] .. ':e', ARGV[3])
else
  redis.call('HSET', KEYS[3], ARGV[2], '1')
end
if not state[2] then
  -- The session's first turn (ever, or since a clear, which keeps only the generation).
  redis.call('HSET', KEYS[1], 'v', '$SCHEMA_VERSION', 'session_id', ARGV[6], 'title', ARGV[7],
             'created_at', ARGV[8], 'last_activity', ARGV[8], 'generation', generation)
elseif tonumber(ARGV[8]) > tonumber(state[2]) then
  redis.call('HSET', KEYS[1], 'last_activity', ARGV[8])
end
redis.call('HINCRBY', KEYS[1], 'turn_count', 1)
if ARGV[9] ~= '' then
  if ARGV[10] ~= '' then
    redis.call('HSET', KEYS[1], 'p:' .. ARGV[9], ARGV[10])
  else
    redis.call('HSETNX', KEYS[1], 'p:' .. ARGV[9], '')
  end
end
touch(tonumber(ARGV[5]))
return 1
"""
)

# KEYS: turns, enrich (no TTL change: reading is not activity).  ARGV: limit (0 = all).
# Returns {records, enrichment} where enrichment holds each record's summary then
# embedding (nil when absent).
GET_TURNS = _script(
    r"""
local limit = tonumber(ARGV[1])
local first = 0
if limit > 0 then
  first = -limit
end
local records = redis.call('LRANGE', KEYS[1], first, -1)
local enrichment = {}
local fields = {}
local function flush()
  if #fields > 0 then
    for _, value in ipairs(redis.call('HMGET', KEYS[2], unpack(fields))) do
      enrichment[#enrichment + 1] = value
    end
    fields = {}
  end
end
for _, record in ipairs(records) do
  local id = turn_id_of(record) or ''
  fields[#fields + 1] = id .. ':s'
  fields[#fields + 1] = id .. ':e'
  -- unpack() is bounded by Lua's stack size; long sessions are read in chunks.
  if #fields >= 1000 then
    flush()
  end
end
flush()
return {records, enrichment}
"""
)

# ARGV: ttl_ms, session_id.  Returns the new generation.
CLEAR = _script(
    r"""
local generation = redis.call('HINCRBY', KEYS[1], 'generation', 1)
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('HSET', KEYS[1], 'v', '$SCHEMA_VERSION', 'session_id', ARGV[2], 'generation', generation)
touch(tonumber(ARGV[1]))
return generation
"""
)

# ARGV: turn_id, summary, has_summary ('1'/'0'), embedding, has_embedding, ttl_ms.
# Returns 1 if the turn is live and was updated, else 0.
UPDATE_TURN = _script(
    r"""
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then
  return 0
end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[3], ARGV[1] .. ':s', ARGV[2])
end
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[3], ARGV[1] .. ':e', ARGV[4])
end
touch(tonumber(ARGV[6]))
return 1
"""
)

# ARGV: count, summary, expected_folded, ttl_ms.  Returns 1 if folded, 0 if refused.
FOLD_TURNS = _script(
    r"""
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local folded = tonumber(redis.call('HGET', KEYS[1], 'folded_turns') or '0')
local count = tonumber(ARGV[1])
if folded ~= tonumber(ARGV[3]) or redis.call('LLEN', KEYS[2]) < count then
  return 0
end
for _, record in ipairs(redis.call('LRANGE', KEYS[2], 0, count - 1)) do
  local id = turn_id_of(record)
  if id then
    redis.call('HDEL', KEYS[3], id, id .. ':s', id .. ':e')
  end
end
redis.call('LTRIM', KEYS[2], count, -1)
redis.call('HSET', KEYS[1], 'summary', ARGV[2], 'folded_turns', folded + count)
touch(tonumber(ARGV[4]))
return 1
"""
)

# KEYS: a channel's index and, when the turn has a user, the (channel, user) index:
# sorted sets of session ids by last activity, sharing the channel's hash tag.  ARGV:
# session_id, last_activity, ttl_ms, cap.  Each keeps its newest `cap` sessions.
TOUCH_INDEXES = _script(
    r"""
local cap = tonumber(ARGV[4])
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'GT', ARGV[2], ARGV[1])
  if redis.call('ZCARD', key) > cap then
    redis.call('ZREMRANGEBYRANK', key, 0, -cap - 1)
  end
end
touch(tonumber(ARGV[3]))
return 1
"""
)

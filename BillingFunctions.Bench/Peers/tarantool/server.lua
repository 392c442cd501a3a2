-- The comparison peer of the `peers` benchmark: Tarantool running a stored-procedure debit with WAL fsync.
-- A memtx space `billing` of ACCOUNTS accounts and `spendMoney(userId, amount)`, which reads the account, checks
-- the balance and updates it. With wal_mode = 'fsync' a call returns only after its change is written to the
-- write-ahead log and fsync'd (Tarantool groups the changes of concurrent calls into one write), which is the
-- durability the engine gives its acknowledged writes.
-- Settings from the environment: LISTEN (host:port), DATA_DIR, WAL_MODE (default fsync), ACCOUNTS, READY_FILE.
local dir = os.getenv('DATA_DIR') or '.'
box.cfg{
    listen = os.getenv('LISTEN') or '127.0.0.1:3301',
    wal_mode = os.getenv('WAL_MODE') or 'fsync',
    wal_dir = dir,
    memtx_dir = dir,
    log = dir .. '/tarantool.log',
    log_level = 2,
}
box.schema.user.grant('guest', 'read,write,execute', 'universe', nil, {if_not_exists = true})

local billing = box.schema.space.create('billing', {engine = 'memtx', if_not_exists = true})
billing:format({{name = 'userId', type = 'unsigned'}, {name = 'balance', type = 'unsigned'}})
billing:create_index('primary', {type = 'hash', parts = {'userId'}, if_not_exists = true})

-- Balances large enough that no debit of the run is refused, so every call is a write.
local accounts = tonumber(os.getenv('ACCOUNTS') or '10000')
box.begin()
for userId = 1, accounts do billing:replace{userId, 1000000000} end
box.commit()

-- The read, the check and the update run in one fiber without yielding in between, so no other call can
-- change the balance between the check and the update; the update then waits for its WAL write.
function spendMoney(userId, amount)
    local account = box.space.billing:get(userId)
    if account == nil or account[2] < amount then
        return false
    end
    box.space.billing:update(userId, {{'-', 2, amount}})
    return true
end

local ready = os.getenv('READY_FILE')
if ready then
    local file = io.open(ready, 'w')
    file:write('ready')
    file:close()
end

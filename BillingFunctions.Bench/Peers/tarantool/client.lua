-- Load for server.lua from a second tarantool process: CALLERS fibers, each calling spendMoney over one net.box
-- connection and waiting for its answer before the next call, for WARMUP seconds (not counted) and then DURATION
-- seconds. Prints one line: callers, measured seconds, writes, failed calls and writes per second.
-- Settings from the environment: TARGET (host:port), CALLERS, DURATION, WARMUP, ACCOUNTS.
local netbox = require('net.box')
local fiber = require('fiber')
local clock = require('clock')

local target = os.getenv('TARGET') or '127.0.0.1:3301'
local callers = tonumber(os.getenv('CALLERS') or '64')
local duration = tonumber(os.getenv('DURATION') or '10')
local warmup = tonumber(os.getenv('WARMUP') or '0')
local accounts = tonumber(os.getenv('ACCOUNTS') or '10000')

local connection = netbox.connect(target)
if not connection:is_connected() then
    io.stderr:write('cannot connect to ' .. target .. ': ' .. tostring(connection.error) .. '\n')
    os.exit(1)
end

local measureFrom = clock.monotonic() + warmup
local stopAt = measureFrom + duration
local writes, failed = 0, 0
local finished = fiber.channel(callers)
for _ = 1, callers do
    fiber.create(function()
        while true do
            local started = clock.monotonic()
            if started >= stopAt then break end
            local ok, spent = pcall(connection.call, connection, 'spendMoney', {math.random(1, accounts), math.random(1, 100)})
            if started >= measureFrom then
                if ok and spent then writes = writes + 1 else failed = failed + 1 end
            end
        end
        finished:put(true)
    end)
end
for _ = 1, callers do finished:get() end

print(string.format('callers=%d seconds=%g writes=%d failed=%d writes_per_second=%.0f',
    callers, duration, writes, failed, writes / duration))
os.exit(0)

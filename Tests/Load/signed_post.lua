-- wrk script: POST pre-signed Standard Webhooks requests to /webhooks/symphony.
--
-- Input: the file written by make_requests.py, one request per line:
--   <webhook-id> TAB <webhook-timestamp> TAB <webhook-signature> TAB <body>
--
-- Configuration (environment, because wrk does not expose -t to Lua):
--   LOAD_REQUESTS  path of the request file        (default requests.tsv)
--   LOAD_THREADS   the -t value given to wrk       (default 2)
--   LOAD_PATH      request path                    (default /webhooks/symphony)
--
-- How the file is shared. wrk runs one Lua state per thread, and each thread
-- must send different webhook-ids (a repeated id is a duplicate, answered 200
-- without touching the inbox, which would flatter the numbers). Thread k of n
-- takes lines k, k+n, k+2n, ... (0-based): a disjoint slice.
--
-- Why the slice is streamed rather than loaded in init(): wrk calls setup()
-- and init() for thread k+1 only after thread k has already started sending,
-- and starts its clock after the last init(). Loading ~300 MB of lines per
-- thread in init() would let the first thread run unmeasured for seconds and
-- inflate req/s. So init() only opens the file; request() reads the thread's
-- next line through a large buffer (the file is in the page cache, having
-- just been written) and skips the n-1 lines that belong to other threads.
-- Memory stays flat whatever the request count.
--
-- If a thread reaches the end of the file it starts again from its first line
-- (those requests are then duplicates) and done() warns: raise the count.

-- Runs in the main Lua state, once per thread, before that thread's init().
local threads = {}
local next_index = 0

function setup(thread)
   thread:set("thread_index", next_index)
   next_index = next_index + 1
   table.insert(threads, thread)
end

-- Per-thread state (each thread has its own copy of these globals).
thread_index = thread_index or 0   -- set by setup() above
local nthreads, file_path, request_path
local file
local headers = {}
non2xx = 0        -- responses outside 200..299
status_counts = {} -- status code -> count, for the summary
wrapped = 0       -- times this thread ran out of lines and started over
sent = 0          -- requests built by this thread

local function open_slice()
   file = assert(io.open(file_path, "r"))
   file:setvbuf("full", 1024 * 1024)
   -- Skip to this thread's first line.
   for _ = 1, thread_index do
      if not file:read("*l") then
         error("request file " .. file_path .. " has fewer lines than threads")
      end
   end
end

local function next_line()
   local line = file:read("*l")
   if not line then
      file:close()
      wrapped = wrapped + 1
      open_slice()
      line = file:read("*l")
      if not line then error("request file " .. file_path .. " is empty") end
   end
   -- Skip the lines of the other threads (reaching EOF here is fine: the next
   -- call notices it).
   for _ = 2, nthreads do
      if not file:read("*l") then break end
   end
   return line
end

function init(args)
   file_path = os.getenv("LOAD_REQUESTS") or "requests.tsv"
   nthreads = tonumber(os.getenv("LOAD_THREADS") or "2")
   request_path = os.getenv("LOAD_PATH") or "/webhooks/symphony"
   if thread_index >= nthreads then
      error(string.format("thread %d but LOAD_THREADS=%d: set LOAD_THREADS to wrk's -t", thread_index, nthreads))
   end
   headers["Content-Type"] = "application/json"
   open_slice()
end

function request()
   local line = next_line()
   local id, ts, sig, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
   if not id then error("malformed request line: " .. line:sub(1, 80)) end
   -- wrk.format adds Host and Content-Length to the table itself; reusing one
   -- table per thread avoids allocating a new one per request.
   headers["webhook-id"] = id
   headers["webhook-timestamp"] = ts
   headers["webhook-signature"] = sig
   sent = sent + 1
   return wrk.format("POST", request_path, headers, body)
end

function response(status, resp_headers, body)
   status_counts[status] = (status_counts[status] or 0) + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

-- Runs in the main Lua state after the run; reads each thread's counters.
function done(summary, latency, requests)
   local total_non2xx, total_wrapped, total_sent = 0, 0, 0
   local statuses = {}
   for _, thread in ipairs(threads) do
      total_non2xx = total_non2xx + (thread:get("non2xx") or 0)
      total_wrapped = total_wrapped + (thread:get("wrapped") or 0)
      total_sent = total_sent + (thread:get("sent") or 0)
      for code, count in pairs(thread:get("status_counts") or {}) do
         statuses[code] = (statuses[code] or 0) + count
      end
   end

   local codes = {}
   for code in pairs(statuses) do table.insert(codes, code) end
   table.sort(codes)
   local parts = {}
   for _, code in ipairs(codes) do
      table.insert(parts, string.format("%d=%d", code, statuses[code]))
   end

   -- Lines prefixed "load:" are parsed by run.sh; keep their format.
   io.write(string.format("load: status counts: %s\n", #parts > 0 and table.concat(parts, " ") or "none"))
   io.write(string.format("load: non-2xx responses: %d\n", total_non2xx))
   io.write(string.format("load: wrk status errors (>=400): %d\n", summary.errors.status))
   io.write(string.format("load: socket errors: connect %d, read %d, write %d, timeout %d\n",
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
   io.write(string.format("load: requests built: %d\n", total_sent))
   if total_wrapped > 0 then
      io.write(string.format(
         "load: WARNING: request file exhausted %d time(s); later requests were duplicates. Raise LOAD_COUNT.\n",
         total_wrapped))
   end
end

-- wrk script: HTTP/1.1 pipelining, 16 requests written per request() call.
-- wrk counts each response; its latency is timed per batch.
-- Usage: wrk -t1 -c50 -d5s -s bench/wrk_pipeline.lua URL [DEPTH]
init = function(args)
   local depth = tonumber(args[1]) or 16
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format()
   end
   req = table.concat(r)
end

request = function()
   return req
end

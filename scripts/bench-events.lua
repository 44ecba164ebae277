-- wrk script of `npm run bench`: every request is a distinct, realistic SocketLabs event (so none is a duplicate):
-- five consecutive events are the life of one message to one recipient (Queued, Delivered, an open, a deferral,
-- a late bounce). The summary is printed as one JSON line for the benchmark script to read.
local counter = 1
local threads = {}
local types = { "Queued", "Delivered", "Tracking", "Deferred", "Failed" }

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  n = 0
  non2xx = 0
  secret = args[1] or "bench-secret-key"
  run = args[2] or "run"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local t = types[(n % 5) + 1]
  local extra
  if t == "Queued" then
    extra = '"FromAddress":"news@example.org","Subject":"Your November digest","MessageSize":24817'
  elseif t == "Delivered" then
    extra = '"Response":"250 2.0.0 OK 1700000000 gsmtp","LocalIp":"142.0.176.12","RemoteMta":"gmail-smtp-in.l.google.com"'
  elseif t == "Tracking" then
    extra = '"TrackingType":1,"ClientIp":"203.0.113.9","UserAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","Url":""'
  elseif t == "Deferred" then
    extra = '"FromAddress":"news@example.org","DeferralCode":3001,"Reason":"452 4.2.2 Mailbox full"'
  else
    extra = '"FromAddress":"news@example.org","FailureType":"Permanent","FailureCode":2001,"Reason":"550 5.1.1 No such user","RemoteMta":"mx.example.com"'
  end
  local body = string.format(
    '{"Type":"%s","DateTime":"2026-11-23T10:%02d:%02d.%07dZ","ServerId":12345,"SubaccountId":12345,"IpPoolId":7,' ..
    '"Address":"recipient%d@example.com","MailingId":"bench-mailing","MessageId":"bench-%s-%d-%d","SecretKey":"%s",%s,' ..
    '"Data":{"Meta":[{"Key":"x-campaign","Value":"november"},{"Key":"x-user","Value":"%d"}],"Tags":["bench","newsletter"]}}',
    t, math.floor(n / 60) % 60, n % 60, n % 10000000, math.floor(n / 5) % 5000, run, id, math.floor(n / 5), secret, extra, n)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"seconds":%f,"non2xx":%d,"errors":%d,"p50":%f,"p99":%f}\n',
    summary.requests, summary.duration / 1e6, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end

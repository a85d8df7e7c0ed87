-- wrk's --latency prints p50/p75/p90/p99; the load run also wants p95, exact, from wrk's own histogram.
done = function(summary, latency, requests)
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("percentile_us %d %d\n", p, latency:percentile(p)))
  end
end

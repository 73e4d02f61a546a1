#!/usr/bin/env bash
# The showcase behind `make demo` (run `make build` first, or use `make demo`):
#   1. a table comparing retry policies under a retry storm, with a plot;
#   2. a seed sweep that finds failing seeds of a planted bug;
#   3. the replay of the first one, reproducing it event for event.
# Each step falls back to a scenario that exists when the preferred one
# does not. Finishes in well under a minute.
set -uo pipefail
cd "$(dirname "$0")/.."
fl=./bin/faultline
out=${DEMO_OUT:-bin/demo}
mkdir -p "$out"
if [ -t 1 ]; then bold=$'\033[1m' off=$'\033[0m'; else bold='' off=''; fi
say() { printf '\n%s$ %s%s\n' "$bold" "$*" "$off"; }
[ -x "$fl" ] || { echo "demo: $fl is missing; run 'make build'" >&2; exit 1; }
names=$("$fl" list)
has() { grep -q "^$1:" <<<"$names"; }

# 1. Compare configurations: every row runs the same seeds.
if has retry-storm; then
	cmd=(compare retry-storm --vary policy=naive,budget,breaker,backoff,shed --seeds 30
		--metrics goodput_rps,goodput_after_rps,latency_p99_ms,amplification,recovery_ms
		--plot "$out/retry-storm.svg" --quiet)
else
	cmd=(compare pingpong --vary loss=0,0.001,0.01 --seeds 30 --metrics passes,balls_done,net_messages_sent --quiet)
fi
say faultline "${cmd[@]}"
"$fl" "${cmd[@]}"
[ -f "$out/retry-storm.svg" ] && echo "(plot of goodput, latency and queues over time: $out/retry-storm.svg)"

# 2. Sweep seeds of a scenario with a planted bug.
set_args=(--set loss=0.01)
scenario=pingpong
for s in saga kv idempotency; do
	if has "$s"; then scenario=$s; set_args=(--set mode=buggy); break; fi
done
if [ "$scenario" != pingpong ]; then
	say faultline sweep "$scenario" --seeds 1-200 --quiet
	"$fl" sweep "$scenario" --seeds 1-200 --quiet
	echo "(exit status $?: with mode=correct every check holds)"
fi
say faultline sweep "$scenario" --seeds 1-200 "${set_args[@]}" --quiet
sweep_out=$("$fl" sweep "$scenario" --seeds 1-200 "${set_args[@]}" --quiet)
status=$?
printf '%s\n' "$sweep_out"
echo "(exit status $status: a check failed; the replay line reproduces the first failure)"

# 3. Replay the first failure: the same seed gives the same run, event for event.
replay=$(printf '%s\n' "$sweep_out" | sed -n 's/^replay: faultline //p')
want=$(printf '%s\n' "$sweep_out" | sed -n 's/^first failure: .*trace_hash \([0-9a-f]*\).*/\1/p')
[ -n "$replay" ] || { echo "demo: the sweep found no failure" >&2; exit 1; }
say faultline "$replay"
read -r -a replay_args <<<"$replay"
run_out=$("$fl" "${replay_args[@]}")
printf '%s\n' "$run_out" | grep -E '^(scenario|seed|status|trace_hash|replay) |^  fail' | cut -c1-160
got=$(printf '%s\n' "$run_out" | sed -n 's/^trace_hash *//p')
if [ "$got" = "$want" ]; then
	echo "(same trace hash as in the sweep: $got)"
else
	echo "demo: replay gave trace hash $got, the sweep $want" >&2
	exit 1
fi

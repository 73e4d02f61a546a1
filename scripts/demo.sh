#!/usr/bin/env bash
# The showcase behind `make demo`.
set -uo pipefail
cd "$(dirname "$0")/.."
fl=./bin/faultline
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say faultline run pingpong --seed 7
$fl run pingpong --seed 7

say faultline run pingpong --seed 7 --set loss=0.05
$fl run pingpong --seed 7 --set loss=0.05
echo "(exit status $?: a check failed; the replay line reproduces it exactly)"

#!/usr/bin/env bash
# Regenerates the pictures README shows, from catalog scenarios, with the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
S=target/release/simlab
OUT=$(mktemp -d)
# Space-time diagrams: failure-free Paxos, and the 2PC blocking scenario recovered with a
# decision record.
$S run paxos/failure-free --out "$OUT/paxos" > /dev/null
cp "$OUT/paxos/diagram.svg" docs/paxos-failure-free.svg
$S run 2pc/coordinator-crash-recover-commit --out "$OUT/2pc" > /dev/null || true
cp "$OUT/2pc/diagram.svg" docs/2pc-coordinator-crash-recover-commit.svg
# Charts of one run, found by their captions in the report: messages per kind, and the
# transactions' decision latency CDF.
$S run 2pc/crash-campaign --out "$OUT/2pcc" > /dev/null
chart() {
    local n
    n=$(grep -o '<figcaption>[^<]*' "$OUT/2pcc/index.html" | sed 's/<figcaption>//' | grep -nx "$1" | cut -d: -f1)
    cp "$OUT/2pcc/chart-$((n - 1)).svg" "$2"
}
chart "messages per kind" docs/2pc-crash-campaign-messages.svg
chart "decision_latency_s (CDF)" docs/2pc-crash-campaign-decision-latency.svg
# Mean time in system against load, per load-balancing policy, with 95% CI bars.
$S compare lb/supermarket --vary lb.lambda=0.5,0.7,0.8,0.9 \
    --vary lb.policy=random,round_robin,power_of_d,jsq --seeds 0..5 \
    --set lb.horizon=2000 --metric sojourn_mean --out "$OUT/lb" > /dev/null
cp "$OUT/lb/chart-sojourn_mean.svg" docs/lb-sojourn-vs-lambda.svg
# Ring balance (share CV) against virtual nodes per server, n = 100.
$S compare ch/ring-balance --vary ch.vnodes=1,3,10,30,100,300,1000 --seeds 0..10 \
    --metric share_cv --out "$OUT/ch" > /dev/null
cp "$OUT/ch/chart-share_cv.svg" docs/ch-share-cv-vs-vnodes.svg
# Raft: an election and the first client operation; the Figure 8 schedule with its bug.
$S run raft/failure-free --set duration=120ms --set raft.clients=1 --set raft.ops=1 \
    --out "$OUT/raft-election" > /dev/null
cp "$OUT/raft-election/diagram.svg" docs/raft-election.svg
$S run raft/bug-commit-earlier-term --set duration=260ms --out "$OUT/raft-f8" > /dev/null || true
cp "$OUT/raft-f8/diagram.svg" docs/raft-figure-8.svg
# Raft election downtime after a leader crash, mean and 95% CI per election timeout range.
$S compare raft/election-timing --vary raft.election_timeout_max=155ms,175ms,200ms,300ms \
    --seeds 0..1000 --metric election_time --out "$OUT/raft-timing" > /dev/null
cp "$OUT/raft-timing/chart-election_time.svg" docs/raft-election-timing.svg
# Raft's Figure 16: downtime CDFs per election timeout range, 1,000 seeds each. Top: the
# maximum varied from 150 ms; bottom: ranges [T, 2T], heartbeat and crash jitter T/2.
$S compare raft/election-timing \
    --vary raft.election_timeout_max=150ms,151ms,155ms,175ms,200ms,300ms --seeds 0..1000 \
    --metric election_time --cdf election_time --log-x --out "$OUT/raft-cdf" > /dev/null
cp "$OUT/raft-cdf/cdf-election_time.svg" docs/raft-downtime-cdf.svg
$S compare raft/election-timing --vary 'raft.election_timeout_min+raft.election_timeout_max+raft.heartbeat+raft.campaigns.0.jitter=12ms+24ms+6ms+6ms,25ms+50ms+12ms+12ms,50ms+100ms+25ms+25ms,100ms+200ms+50ms+50ms,150ms+300ms+75ms+75ms' \
    --seeds 0..1000 --metric election_time --cdf election_time --out "$OUT/raft-cdf2" > /dev/null
cp "$OUT/raft-cdf2/cdf-election_time.svg" docs/raft-downtime-cdf-ranges.svg
# Multi-Paxos: a failover, the leader crashed and a client's request retried at the new one.
$S run multipaxos/leader-crash --set duration=200ms --set multipaxos.clients=1 \
    --set multipaxos.ops=2 --set 'multipaxos.client_think="90ms"' --out "$OUT/mp" > /dev/null
cp "$OUT/mp/diagram.svg" docs/multipaxos-failover.svg
rm -rf "$OUT"
echo "regenerated the SVGs under docs/"

#!/usr/bin/env bash
# Bring up a one-node Slurm cluster on this machine, as root: Debian's
# slurm-wlm and munge, slurmctld and slurmd both here, one partition
# "debug" holding this node. Idempotent: a cluster that already answers is
# left as it is. The sweep tests (go test ./sweep) submit a job array to it;
# they skip when no cluster answers.
#
# What a cluster needs, as this script shows: a shared munge key and a
# running munged on every node; one slurm.conf (same on every node) naming
# the controller, the nodes with their CPUs and memory, and a partition;
# slurmctld on the controller, slurmd on each node; and, for a sweep, a
# file system that every node sees at the same path (here: the one disk).
set -euo pipefail

if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
  exit 0 # up already
fi
# Where Slurm cannot be installed, say so and leave it: the tests skip.
cannot() {
  echo "slurm.sh: no Slurm here: $*; the Slurm tests will skip" >&2
  exit 0
}
[ "$(id -u)" -eq 0 ] || cannot "needs root (it installs packages and starts daemons)"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || cannot "no apt-get to install slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; } ||
    cannot "apt-get install slurm-wlm munge failed"
fi

# munge: a key, then the daemon (as the munge user, as its package expects).
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
fi

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2/1024) - 512}' /proc/meminfo)
conf=/etc/slurm/slurm.conf
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat >"$conf.new" <<CONF
# One-node cluster written by .ci/slurm.sh
ClusterName=neuropil
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerType=sched/backfill
MaxArraySize=10001
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
mv "$conf.new" "$conf"

pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd

for _ in $(seq 1 60); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
    echo "slurm.sh: one-node cluster up ($host, $cpus CPUs, partition debug)"
    exit 0
  fi
  sleep 0.5
done
echo "slurm.sh: the cluster did not come up; see /var/log/slurm/*.log" >&2
sinfo >&2 || true
exit 1

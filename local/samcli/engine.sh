#!/usr/bin/env bash
# engine.sh: a Docker-compatible container engine for `sam local` (make
# sam-invoke, make sam-api).
#
#   engine.sh install  nothing when Docker's daemon answers; otherwise install
#                      podman from Debian's packages (once; .ci/run calls this)
#   engine.sh start    install, then (podman) write the project's own
#                      containers.conf and run podman's Docker-compatible API service
#   engine.sh stop     stop the podman service that `start` started, and unmount
#                      what podman leaves mounted (nothing to do for Docker)
#   engine.sh env      print the exports for sam:  eval "$(engine.sh env)"
#   engine.sh status   say which engine is in use and whether it answers
#
# install and start exit with status 3 when no engine can be had here (no
# Docker daemon, and podman cannot be installed: no apt-get, no root or
# password-less sudo, or the install fails); callers skip then, and say so.
#
# Environment:
#   SAM_ENGINE_DIR      state dir (containers.conf, storage, socket, pid file, log);
#                       default: <repo root>/.local/sam-local/engine
#   SAM_ENGINE          force "docker" or "podman" (default: auto)
#   SAM_ENGINE_STORAGE  "project" (default: images under $SAM_ENGINE_DIR/storage)
#                       or "system" (podman's default /var/lib/containers/storage)
#
# Nothing under /etc/containers is written: podman reads the project's own
# containers.conf and storage.conf through CONTAINERS_CONF / CONTAINERS_STORAGE_CONF.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || echo "$here")
STATE=${SAM_ENGINE_DIR:-$root/.local/sam-local/engine}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
CONF=$STATE/containers.conf
SCONF=$STATE/storage.conf
PIDFILE=$STATE/podman-service.pid
LOG=$STATE/podman-service.log
PACKAGES=(podman runc busybox-static)
# Rootless podman (not root; packages through sudo) also needs these. Untested here: CI runs as root.
[ "$(id -u)" = 0 ] || PACKAGES+=(uidmap slirp4netns)

# A unix socket path must fit in 108 bytes (sun_path): fall back to a short
# path keyed by the state dir when the project lives deep in the tree.
SOCK=$STATE/podman.sock
if [ ${#SOCK} -gt 100 ]; then
	SOCK=/tmp/sam-engine-$(printf %s "$STATE" | sha256sum | cut -c1-12).sock
fi

say() { echo "engine: $*" >&2; }
die() { say "$*"; exit 1; }
# unavailable: no engine can be had on this machine (exit status 3).
unavailable() { say "no container engine: $*"; exit 3; }

can_be_root() {
	[ "$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }
}
as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

docker_answers() {
	# The Docker CLI may exist without a daemon; ask the daemon, not the CLI.
	command -v docker >/dev/null || return 1
	[ "${DOCKER_HOST:-}" = "unix://$SOCK" ] && return 1 # that is our podman
	timeout 10 docker info >/dev/null 2>&1
}

engine() {
	case ${SAM_ENGINE:-auto} in
	docker | podman) echo "$SAM_ENGINE" ;;
	auto) if docker_answers; then echo docker; else echo podman; fi ;;
	*) die "SAM_ENGINE must be docker, podman or auto" ;;
	esac
}

install_podman() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	command -v apt-get >/dev/null || unavailable "no Docker daemon, and no apt-get to install ${missing[*]}"
	can_be_root || unavailable "no Docker daemon, and installing ${missing[*]} needs root or password-less sudo"
	say "installing ${missing[*]} from Debian"
	local t0=$SECONDS
	export DEBIAN_FRONTEND=noninteractive
	# The package lists may be missing or stale (a package of the list
	# replaced on the mirror): update them only when the install needs it.
	if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >"$STATE/apt.log" 2>&1; then
		say "apt-get install failed; apt-get update, then again"
		as_root apt-get update -q >>"$STATE/apt.log" 2>&1 || { tail -30 "$STATE/apt.log" >&2; unavailable "apt-get update failed"; }
		as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$STATE/apt.log" 2>&1 ||
			{ tail -30 "$STATE/apt.log" >&2; unavailable "apt-get install ${missing[*]} failed"; }
	fi
	say "installed in $((SECONDS - t0))s (log: $STATE/apt.log)"
}

write_conf() {
	# The settings that make Debian's podman 4.3 work here: runc (not crun),
	# cgroupfs (no systemd), file events logger (no journald), and ulimits the
	# runtime can set. The network config, tmp dir and storage stay in $STATE.
	mkdir -p "$STATE/cni" "$STATE/tmp"
	cat >"$CONF.new" <<EOF
# Written by engine.sh; read by podman through CONTAINERS_CONF.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[network]
network_backend = "cni"
network_config_dir = "$STATE/cni"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$STATE/events.log"
tmp_dir = "$STATE/tmp"
EOF
	mv "$CONF.new" "$CONF"
	if [ "${SAM_ENGINE_STORAGE:-project}" = project ]; then
		mkdir -p "$STATE/storage" "$STATE/run"
		cat >"$SCONF.new" <<EOF
# Written by engine.sh; read by podman through CONTAINERS_STORAGE_CONF.
[storage]
driver = "overlay"
graphroot = "$STATE/storage"
runroot = "$STATE/run"
EOF
		mv "$SCONF.new" "$SCONF"
	else
		rm -f "$SCONF"
	fi
}

podman_env() {
	export CONTAINERS_CONF=$CONF
	if [ -f "$SCONF" ]; then export CONTAINERS_STORAGE_CONF=$SCONF; else unset CONTAINERS_STORAGE_CONF; fi
}

sock_answers() {
	[ -S "$SOCK" ] && curl -sf --max-time 3 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1
}

service_pid() {
	local pid
	pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null && grep -q podman "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

install() {
	if [ "$(engine)" = docker ]; then
		docker_answers || unavailable "SAM_ENGINE=docker but docker info fails"
		return 0
	fi
	install_podman
	command -v curl >/dev/null || { can_be_root && as_root apt-get install -y -q --no-install-recommends curl >/dev/null; } ||
		unavailable "no curl, and it cannot be installed"
}

start() {
	install
	if [ "$(engine)" = docker ]; then
		say "Docker daemon answers: using it"
		return 0
	fi
	write_conf
	podman_env
	if service_pid >/dev/null && sock_answers; then
		say "podman service already running (pid $(service_pid), unix://$SOCK)"
		return 0
	fi
	if pid=$(service_pid); then kill "$pid" 2>/dev/null || true; fi
	rm -f "$SOCK" "$PIDFILE"
	# setsid: its own session, so the caller's Ctrl-C or exit does not end it.
	setsid podman system service --time=0 "unix://$SOCK" </dev/null >>"$LOG" 2>&1 &
	local started=$!
	echo "$started" >"$PIDFILE"

	# Only whether it lives: until the child has exec'd podman, its cmdline
	# is still this script's, which service_pid would not count.
	for _ in $(seq 1 100); do
		sock_answers && break
		kill -0 "$started" 2>/dev/null || { tail -20 "$LOG" >&2; die "podman service exited"; }
		sleep 0.1
	done
	sock_answers || { tail -20 "$LOG" >&2; die "podman service does not answer on $SOCK"; }
	say "podman $(podman version --format '{{.Client.Version}}') service on unix://$SOCK (pid $(cat "$PIDFILE"))"
}

stop() {
	local pid
	if pid=$(service_pid); then
		kill "$pid"
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
		say "podman service stopped (pid $pid)"
	else
		say "no podman service running"
	fi
	rm -f "$PIDFILE" "$SOCK"
	# containers/storage bind-mounts $STATE/storage/overlay onto itself (and
	# a running container's layers under it); podman leaves that mount behind,
	# and then `rm -rf .local` fails with "Device or resource busy".
	local m
	awk -v s="$STATE/" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do
			m=$(printf '%b' "$m") # mountinfo escapes spaces as \040
			as_root umount "$m" 2>/dev/null || as_root umount -l "$m" || true
		done
}

# One name for this machine in every container, whatever the engine, so one
# env file (local/samcli/env.json) serves both: podman puts
# host.containers.internal in each container's /etc/hosts; with Docker, sam
# local must add it (--add-host host.containers.internal:host-gateway; Docker
# 20.10+ resolves host-gateway to the bridge's gateway, Docker Desktop to the host).
print_env() {
	echo "export SAM_HOST_ALIAS=host.containers.internal"
	if [ "$(engine)" = docker ]; then
		echo "export SAM_ENGINE_NAME=docker"
		echo "export SAM_ADD_HOST=host.containers.internal:host-gateway"
		return
	fi
	[ -f "$SCONF" ] || [ "${SAM_ENGINE_STORAGE:-project}" != project ] || write_conf
	echo "export SAM_ENGINE_NAME=podman"
	echo "export DOCKER_HOST=unix://$SOCK"
	echo "export CONTAINERS_CONF=$CONF"
	if [ -f "$SCONF" ]; then echo "export CONTAINERS_STORAGE_CONF=$SCONF"; fi
	echo "export SAM_ADD_HOST="
}

case ${1:-} in
install) install ;;
start) start ;;
stop) stop ;;
env) print_env ;;
status)
	if [ "$(engine)" = docker ]; then echo "docker (daemon answers)"
	elif sock_answers; then echo "podman service running, pid $(service_pid || echo '?'), unix://$SOCK"
	else echo "podman service not running"; exit 1; fi ;;
*) echo "usage: $0 install|start|stop|env|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# base-image.sh: print the name of a Lambda provided.al2023 base image for
# `sam local invoke|start-api --invoke-image <name>`, building a stand-in when
# the official one cannot be had.
#
#   IMAGE=$(local/samcli/base-image.sh)    # after: eval "$(local/samcli/engine.sh env)"
#
# 1. The official public.ecr.aws/lambda/provided:al2023-<arch> if it is already
#    local, or if a pull succeeds within PULL_TIMEOUT seconds (a machine without
#    registry access fails at the DNS lookup, in milliseconds).
# 2. Otherwise the stand-in $STAND_IN (default
#    localhost/profiles-lambda-stand-in:al2023-<arch>), built FROM scratch out of
#    Debian's busybox-static, tzdata and ca-certificates; skipped when an image of
#    that name built by this same recipe exists (FORCE=1 rebuilds).
#
# The stand-in is never tagged with the official name. It has what SAM's own
# build on top of it needs (sh, mv, chmod: SAM adds /var/rapid/aws-lambda-rie)
# and what a static Go bootstrap needs (dirs, /tmp, UTC, CA bundle, passwd),
# with the official image's ENV and WORKDIR. It is not Amazon Linux: no glibc,
# so only static binaries (CGO_ENABLED=0) run in it.
set -euo pipefail

case $(uname -m) in
x86_64) host_arch=x86_64 ;;
aarch64 | arm64) host_arch=arm64 ;;
*) echo "base-image: unsupported host $(uname -m)" >&2; exit 1 ;;
esac
ARCH=${LAMBDA_ARCH:-$host_arch}
[ "$ARCH" = "$host_arch" ] || { echo "base-image: only the host architecture ($host_arch) is built here; an arm64 stand-in needs qemu-user-static and an arm64 busybox-static" >&2; exit 1; }
OFFICIAL=public.ecr.aws/lambda/provided:al2023-$ARCH
STAND_IN=${STAND_IN:-localhost/profiles-lambda-stand-in:al2023-$ARCH}
PULL_TIMEOUT=${PULL_TIMEOUT:-20}
# The engine's own CLI: podman's works on the storage its service serves,
# and a machine with podman needs no Docker CLI.
if [ "${SAM_ENGINE_NAME:-docker}" = podman ]; then DOCKER=${DOCKER:-podman}; else DOCKER=${DOCKER:-docker}; fi
log() { echo "base-image: $*" >&2; }

exists() { $DOCKER image inspect "$1" >/dev/null 2>&1; }

if [ "${SKIP_OFFICIAL:-0}" != 1 ]; then
	if exists "$OFFICIAL"; then log "using the local $OFFICIAL"; echo "$OFFICIAL"; exit 0; fi
	if timeout "$PULL_TIMEOUT" $DOCKER pull -q "$OFFICIAL" >/dev/null 2>&1; then
		log "pulled $OFFICIAL"; echo "$OFFICIAL"; exit 0
	fi
	log "cannot pull $OFFICIAL: using the stand-in $STAND_IN"
fi

# The recipe's hash, stored as a label: a changed recipe rebuilds.
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
if [ "${FORCE:-0}" != 1 ] && exists "$STAND_IN" &&
	[ "$($DOCKER image inspect -f '{{index .Config.Labels "stand-in.recipe"}}' "$STAND_IN" 2>/dev/null)" = "$recipe" ]; then
	log "$STAND_IN exists (recipe $recipe)"; echo "$STAND_IN"; exit 0
fi

missing=()
for p in busybox-static tzdata ca-certificates; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	sudo=; [ "$(id -u)" = 0 ] || sudo="sudo -n"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		{ $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
fi

t0=$SECONDS
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
r=$ctx/rootfs
mkdir -p "$r"/usr/bin "$r"/usr/local/bin "$r"/var/task "$r"/var/runtime "$r"/var/lang/bin "$r"/var/lang/lib \
	"$r"/opt/bin "$r"/opt/lib "$r"/tmp "$r"/root "$r"/proc "$r"/sys "$r"/dev \
	"$r"/etc/pki/ca-trust/extracted/pem "$r"/etc/pki/tls/certs "$r"/etc/ssl "$r"/usr/lib64
chmod 1777 "$r"/tmp
ln -s usr/bin "$r"/bin
ln -s usr/bin "$r"/sbin
ln -s bin "$r"/usr/sbin
ln -s usr/lib64 "$r"/lib64
cp /bin/busybox "$r"/usr/bin/busybox
for a in $(/bin/busybox --list); do
	[ -e "$r/usr/bin/$a" ] || ln -s busybox "$r/usr/bin/$a"
done
cp -L /usr/share/zoneinfo/UTC "$r"/etc/localtime
# Amazon Linux's CA bundle paths, and Debian's (Go looks at both).
cp -L /etc/ssl/certs/ca-certificates.crt "$r"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
ln -s ../../ca-trust/extracted/pem/tls-ca-bundle.pem "$r"/etc/pki/tls/certs/ca-bundle.crt
ln -s ../pki/tls/certs "$r"/etc/ssl/certs
ln -s ../../ca-trust/extracted/pem/tls-ca-bundle.pem "$r"/etc/pki/tls/certs/ca-certificates.crt
cat >"$r"/etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
sbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin
nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin
EOF
cat >"$r"/etc/group <<'EOF'
root:x:0:
sbx_user1051:x:990:
nobody:x:65534:
EOF
cat >"$r"/etc/os-release <<EOF
NAME="Lambda provided.al2023 stand-in"
ID=lambda-stand-in
PRETTY_NAME="Stand-in for $OFFICIAL (busybox $(/bin/busybox | head -1 | awk '{print $2}'))"
EOF
tar -C "$r" --numeric-owner --owner=0 --group=0 -cf "$ctx"/rootfs.tar .
rm -rf "$r"
# The official image's ENV and WORKDIR (aws-lambda-base-images,
# Dockerfile.provided.al2023); its ENTRYPOINT /lambda-entrypoint.sh is not
# used by SAM, which sets /var/rapid/aws-lambda-rie as the entrypoint.
cat >"$ctx"/Dockerfile <<EOF
FROM scratch
ADD rootfs.tar /
ENV LANG=en_US.UTF-8 \\
    TZ=:/etc/localtime \\
    PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin \\
    LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib \\
    LAMBDA_TASK_ROOT=/var/task \\
    LAMBDA_RUNTIME_DIR=/var/runtime
LABEL stand-in.for="$OFFICIAL" stand-in.recipe="$recipe"
WORKDIR /var/task
EOF
# The classic builder: it is what podman's Docker API serves (and no buildx here).
DOCKER_BUILDKIT=0 $DOCKER build -q -t "$STAND_IN" "$ctx" >&2
# SAM builds <repo>:rapid-<arch> on top of the --invoke-image once and reuses it
# while it exists: drop it so that the next sam local builds it on the new base.
$DOCKER rmi "${STAND_IN%:*}:rapid-$ARCH" >/dev/null 2>&1 || true
log "built $STAND_IN in $((SECONDS - t0))s"
echo "$STAND_IN"

#!/bin/sh
# fakeproc.sh KIND CMD...: run CMD where /proc is not the kernel's own, as an unprivileged program
# can arrange in a user and mount namespace of its own (run it under `unshare -Urm`).
#   tmpfs  a tmpfs whose self/fd/N all point at "/", and a self/environ that says LINKGUARD_ROOT=/
#   bind   /proc/sys bound over /proc: procfs, but not the root of a procfs mount
set -eu
kind=$1
shift
case $kind in
tmpfs)
	mount -t tmpfs lg-fake-proc /proc
	mkdir -p /proc/self/fd
	n=0
	while [ "$n" -le 64 ]; do
		ln -s / "/proc/self/fd/$n"
		n=$((n + 1))
	done
	printf 'LINKGUARD_ROOT=/\000' >/proc/self/environ
	;;
bind)
	mount --bind /proc/sys /proc
	;;
*)
	echo "fakeproc.sh: unknown kind $kind" >&2
	exit 2
	;;
esac
exec "$@"

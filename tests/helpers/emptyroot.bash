# emptyroot.bash: runs a program in a root directory that holds nothing but
# what the test put there (no libc, no /usr, no /etc), to prove a static
# build needs nothing from the system.
#   emptyroot_make DIR PROG...   -> DIR/bin/PROG (copies), DIR/tmp
#   in_emptyroot DIR VAR=VAL... -- CMD ARGS...
#       runs /bin/CMD inside DIR with only the given environment
#       (plus PATH=/bin, HOME=/tmp, TMPDIR=/tmp); plain chroot as root,
#       else in a user namespace (unshare -r).
#   emptyroot_usable PROG ARGS... -> 0 if PROG runs in an empty root here
# With EMPTYROOT_RUNNER set (a static qemu-user, for a cross build), it is
# copied into the root too and runs each program there.

emptyroot_make() {
	local d=$1 p
	shift
	mkdir -p "$d/bin" "$d/tmp"
	chmod 1777 "$d/tmp"
	for p in "$@" ${EMPTYROOT_RUNNER:+"$EMPTYROOT_RUNNER"}; do
		cp "$p" "$d/bin/"
	done
}

# Full paths: the command runs under env -i with PATH=/bin.
_chroot_cmd() {
	if [ "$(id -u)" -eq 0 ]; then
		command -v chroot
	else
		echo "$(command -v unshare) -r $(command -v chroot)"
	fi
}

emptyroot_usable() {
	local d rc
	d=$(mktemp -d)
	mkdir -p "$d/bin"
	cp "$1" ${EMPTYROOT_RUNNER:+"$EMPTYROOT_RUNNER"} "$d/bin/"
	local p=/bin/${1##*/}
	shift
	$(_chroot_cmd) "$d" ${EMPTYROOT_RUNNER:+"/bin/${EMPTYROOT_RUNNER##*/}"} \
		"$p" "$@" >/dev/null 2>&1
	rc=$?
	rm -rf "$d"
	return $rc
}

in_emptyroot() {
	local d=$1 envs=()
	shift
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	local cmd=$1
	shift
	env -i PATH=/bin HOME=/tmp TMPDIR=/tmp "${envs[@]}" \
		$(_chroot_cmd) "$d" \
		${EMPTYROOT_RUNNER:+"/bin/${EMPTYROOT_RUNNER##*/}"} \
		"/bin/$cmd" "$@"
}

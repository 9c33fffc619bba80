#!/usr/bin/env bash
# Installs everything nestbox needs to build and test, idempotently.
#
# From Debian 12 (this system's suites, plus bookworm-backports for QEMU 10):
#   the aarch64 cross toolchain, arm64 -dev libraries (multiarch), native
#   -dev libraries for the sanitizer build, qemu-user, qemu-system-arm.
# From Debian 13 (trixie, trixie-backports), downloaded into a cache and
# extracted, never installed: the Linux UAPI headers, the arm64 kernel and
# its modules, busybox-static (arm64) for the test initramfs.
#
# Cache: ${NESTBOX_CACHE:-$HOME/.cache/nestbox}. Run as root (or with sudo).
set -euo pipefail

CACHE=${NESTBOX_CACHE:-$HOME/.cache/nestbox}
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

t0=$(date +%s)
log() { printf '[setup %3ds] %s\n' $(($(date +%s) - t0)) "$*"; }

# The Debian mirror this machine already uses for bookworm.
mirror() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE)' |
		awk '$2 == "bookworm" { print $1; exit }'
}

SYSTEM_PKGS=(
	build-essential cmake pkg-config cpio xz-utils gzip ca-certificates e2fsprogs
	clang libclang-rt-14-dev
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
	libseccomp-dev liburing-dev libjson-c-dev libdeflate-dev check valgrind
	libfdt-dev:arm64 libseccomp-dev:arm64 liburing-dev:arm64
	libjson-c-dev:arm64 libdeflate-dev:arm64 check:arm64
)

system_packages() {
	local missing=() p
	for p in "${SYSTEM_PKGS[@]}" qemu-system-arm; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} = 0 ] &&
		qemu-system-aarch64 --version 2>/dev/null | grep -q 'version 10'; then
		log "system packages: already installed"
		return
	fi
	log "system packages: installing ${missing[*]:-qemu-system-arm}"
	local src=/etc/apt/sources.list.d/nestbox-bookworm-backports.sources
	if ! apt-get indextargets --format '$(RELEASE)' | grep -qx bookworm-backports; then
		[ -n "$(mirror)" ] || { apt-get update -q >/dev/null; }
		printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			"$(mirror)" | $SUDO tee "$src" >/dev/null
	fi
	dpkg --print-foreign-architectures | grep -qx arm64 ||
		$SUDO dpkg --add-architecture arm64
	$SUDO apt-get update -q >/dev/null
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${SYSTEM_PKGS[@]}" >/dev/null
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends -t bookworm-backports qemu-system-arm >/dev/null
	log "system packages: done ($(qemu-system-aarch64 --version | head -1))"
}

# A private apt for Debian 13 in the cache, arm64 only: used to download,
# never to install.
PAPT=$CACHE/apt
papt() {
	apt-get -o Dir::Etc::SourceList="$PAPT/sources.list" \
		-o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::State::Lists="$PAPT/lists" -o Dir::Cache="$PAPT/cache" \
		-o APT::Architecture=arm64 -o APT::Architectures=arm64 \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root -q "$@"
}
papt_cache() {
	apt-cache -o Dir::Etc::SourceList="$PAPT/sources.list" \
		-o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::State::Lists="$PAPT/lists" -o Dir::Cache="$PAPT/cache" \
		-o APT::Architecture=arm64 -o APT::Architectures=arm64 "$@"
}

# download_extract PACKAGE[=VERSION] DEST: fetch the .deb into the cache
# (once) and extract it into DEST (once).
download_extract() {
	local pkg=$1 dest=$2
	[ -f "$dest/.done" ] && return
	mkdir -p "$CACHE/debs" && rm -rf "$dest" && mkdir -p "$dest"
	(cd "$CACHE/debs" && papt download "$pkg" >/dev/null)
	local name=${pkg%%=*} deb
	deb=$(ls -t "$CACHE/debs/${name}"_*.deb | head -1)
	dpkg-deb -x "$deb" "$dest"
	touch "$dest/.done"
}

debian13_assets() {
	if [ -f "$CACHE/assets.done" ]; then
		log "Debian 13 assets: cached in $CACHE"
		return
	fi
	mkdir -p "$PAPT/lists/partial" "$PAPT/cache/archives/partial"
	local m
	m=$(mirror)
	printf 'deb %s trixie main\ndeb %s trixie-backports main\n' "$m" "$m" >"$PAPT/sources.list"
	log "Debian 13 assets: updating package lists"
	papt update >/dev/null

	# The newest kernel: linux-image-arm64 of the highest version names it.
	local ver abi
	ver=$(papt_cache madison linux-image-arm64 | awk 'NR == 1 { print $3 }')
	abi=$(papt_cache show "linux-image-arm64=$ver" |
		sed -n 's/.*linux-image-\([0-9][^ ]*\)-arm64 .*/\1/p' | head -1)
	[ -n "$abi" ] || { echo "setup: cannot resolve the arm64 kernel" >&2; exit 1; }
	log "Debian 13 assets: kernel $abi, linux-libc-dev $ver, busybox-static"

	download_extract "linux-libc-dev=$ver" "$CACHE/x/uapi"
	download_extract "linux-binary-$abi-arm64" "$CACHE/x/kernel"
	download_extract "linux-modules-$abi-arm64" "$CACHE/x/modules"
	download_extract busybox-static "$CACHE/x/busybox"

	# Stable names for the build and the test kit.
	ln -sfn "x/uapi/usr/include" "$CACHE/uapi"
	ln -sfn "x/kernel/usr/lib/modules/$abi-arm64/vmlinuz" "$CACHE/Image"
	ln -sfn "x/modules/usr/lib/modules/$abi-arm64" "$CACHE/modules"
	ln -sfn "x/busybox/usr/bin/busybox" "$CACHE/busybox"
	echo "$abi-arm64" >"$CACHE/kernel-release"
	rm -rf "$PAPT/cache/archives"/*.deb
	touch "$CACHE/assets.done"
	log "Debian 13 assets: done"
}

system_packages
debian13_assets
log "setup complete (cache: $CACHE)"

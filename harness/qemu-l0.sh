#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The QEMU that boots x86_64's end-to-end run (harness/matrix, column l0;
# harness/matrix.sh calls this before booting such a run): bookworm-
# backports' qemu-system-x86, pinned by the top-level Makefile
# (L0_QEMU_VERSION), with its firmware (qemu-system-data, and seabios as
# backports has it), unpacked into $CACHE/qemu-l0-x86_64/<version>, not
# installed: installing would take qemu-system-arm and the rest of Debian
# 12's QEMU with it.  Under Debian 12's QEMU 7.2 that run hangs: a vCPU of
# the test guest stops taking interrupts while its other vCPU runs the
# nested guest (README, "QEMU, end to end").  The libraries it needs are
# installed from bookworm, as its Depends say, and checked on every call,
# since another root (harness/check-fresh.sh) may share the directory but
# not the libraries.  Nothing else needs it, so a machine without
# bookworm-backports can still run everything else.
set -euo pipefail
: "${CACHE:?set by the top-level Makefile}"
: "${L0_QEMU_VERSION:?set by the top-level Makefile}"

installed() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null || true; }
updated=
apt_update() {
	[ -n "$updated" ] && return
	apt-get update -qq
	updated=1
}
# bpo_sources: the machine's Debian bookworm entries (a "main" component,
# one-line or deb822), each again for bookworm-backports, main only.
bpo_sources() {
	local f
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
		awk '$1 == "deb" {
			opts = ""
			if (match($0, /\[[^]]*\]/)) {
				opts = substr($0, RSTART, RLENGTH) " "
				$0 = substr($0, 1, RSTART - 1) substr($0, RSTART + RLENGTH)
			}
			main = 0
			for (i = 4; i <= NF; i++) if ($i == "main") main = 1
			if ($3 == "bookworm" && main) print "deb " opts $2 " bookworm-backports main"
		}' > "$1.list"
	# (One file at a time: a paragraph does not run on into the next file.)
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		     /(^|\n)Types:([^\n]* )?deb( |\n|$)/ && /(^|\n)Suites:([^\n]* )?bookworm( |\n|$)/ &&
		     /(^|\n)Components:([^\n]* )?main( |\n|$)/ && !/(^|\n)Enabled: *no/ {
			sub(/Types:[^\n]*/, "Types: deb")
			sub(/Suites:[^\n]*/, "Suites: bookworm-backports")
			sub(/Components:[^\n]*/, "Components: main"); print }' "$f"
	done > "$1.sources"
	for f in "$1.list" "$1.sources"; do [ -s "$f" ] || rm -f "$f"; done
	[ -f "$1.list" ] || [ -f "$1.sources" ]
}
l0=$CACHE/qemu-l0-x86_64/${L0_QEMU_VERSION//[:~]/_}
if [ ! -s "$l0/DEPENDS" ]; then
	# shellcheck disable=SC2016 # apt's format, not the shell's
	releases=$(apt-get indextargets --format '$(RELEASE)' 'Created-By: Packages')
	if ! grep -qx bookworm-backports <<< "$releases"; then
		bpo=/etc/apt/sources.list.d/kvm-dmabuf-backports
		if ! bpo_sources "$bpo"; then
			echo "qemu-l0: apt has no Debian bookworm entry with main to add bookworm-backports next to; add bookworm-backports to apt's sources" >&2
			exit 1
		fi
		echo "qemu-l0: bookworm-backports added in $bpo.* (apt takes nothing from it unless asked)"
		updated=
	fi
	apt_update
	v=$L0_QEMU_VERSION
	if ! apt-cache show "qemu-system-x86=$v" >/dev/null 2>&1; then
		v=$(apt-cache madison qemu-system-x86 | awk -F' [|] ' '$3 ~ /bookworm-backports/ { print $2; exit }')
		cat >&2 <<-MSG
		########################################################################
		# WARNING: qemu-system-x86=$L0_QEMU_VERSION is gone from bookworm-backports.
		# Using ${v:-nothing} instead; update L0_QEMU_VERSION in the top-level
		# Makefile once x86_64-e2e has passed under it.
		########################################################################
		MSG
		[ -n "$v" ] || exit 1
	fi
	mkdir -p "$CACHE/qemu-l0-x86_64"
	new=$(mktemp -d "$CACHE/qemu-l0-x86_64/.new.XXXXXX")
	chmod 777 "$new"	# apt downloads as the _apt user
	(cd "$new" && apt-get download -qq "qemu-system-x86=$v" "qemu-system-data=$v" \
		seabios/bookworm-backports)
	for deb in "$new"/*.deb; do
		dpkg-deb -x "$deb" "$new/root"
		# shellcheck disable=SC2016 # dpkg's format, not the shell's
		dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb" >> "$new/root/VERSIONS"
	done
	dpkg-deb -f "$new"/qemu-system-x86_*.deb Depends | tr ',' '\n' |
		sed 's/([^)]*)//g; s/|.*//; s/ //g' | grep -v '^$\|^qemu-\|^seabios\|^ipxe' > "$new/root/DEPENDS"
	chmod 755 "$new/root"
	# A concurrent call may have been first: keep its copy, if whole.
	if ! mv -T "$new/root" "$l0" 2>/dev/null && [ ! -s "$l0/DEPENDS" ]; then
		rm -rf "$l0"
		mv -T "$new/root" "$l0"
	fi
	rm -rf "$new"
fi
missing=()
while read -r p; do
	case "$(installed "$p")" in
	"install ok installed"*) ;;
	*) missing+=("$p") ;;
	esac
done < "$l0/DEPENDS"
if [ ${#missing[@]} -gt 0 ]; then
	echo "qemu-l0: installing ${missing[*]} (the libraries of $l0)"
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "qemu-l0: $("$l0/usr/bin/qemu-system-x86_64" --version | head -1), in $l0"

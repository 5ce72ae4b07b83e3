#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make series": the patch series a maintainer receives, generated from the
# quilt series (patches/series, the source of truth) and the new files.
#
# A git repository of the pristine kernel source (build/series-git, tagged
# "base", made once per source package version) gets one commit per quilt
# patch, in the series' order: the patch, the new files that
# series/new-files lists with it, and its header as the commit message.
# git format-patch writes the commits to build/series/, with a cover
# letter whose subject and text are series/cover-letter (first line, then
# the rest) above git's shortlog and diffstat.
#
# Refuses a series/new-files that misses a file of the overlay folders,
# lists one twice, or names a patch that is not in the series.
#
# usage: series.sh
set -euo pipefail
: "${TOP:?}" "${BUILD:?}" "${OVERLAY_DIRS:?}"
git=$BUILD/series-git
out=$BUILD/series
tarball=/usr/src/linux-source-6.12.tar.xz
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
kver=${ver%%-*}
map=$TOP/series/new-files

rm -rf "$out"
patches=$(grep -v -e '^#' -e '^$' "$TOP/patches/series")

# series/new-files as "patch file" lines; a line that starts with
# white space continues the patch above it.
pairs=$(awk '/^#/ || !NF { next }
	/^[^ \t]/ { p = $1; for (i = 2; i <= NF; i++) print p, $i; next }
	{ for (i = 1; i <= NF; i++) print p, $i }' "$map")
bad=
while read -r p f; do
	grep -qxF "$p" <<<"$patches" || { echo "series: $map: $p is not in patches/series" >&2; bad=1; }
	[ -f "$TOP/$f" ] || { echo "series: $map: $f does not exist" >&2; bad=1; }
done <<<"$pairs"
listed=$(awk '{ print $2 }' <<<"$pairs" | sort)
dups=$(uniq -d <<<"$listed")
[ -z "$dups" ] || { echo "series: $map: listed twice: $(echo $dups)" >&2; bad=1; }
have=$(cd "$TOP" && { find $OVERLAY_DIRS -type f 2>/dev/null || true; } | sort)
missing=$(comm -23 <(echo "$have") <(echo "$listed"))
[ -z "$missing" ] || { echo "series: $map: not listed: $(echo $missing)" >&2; bad=1; }
[ -z "$bad" ] || exit 1

# The pristine source, committed once.
if [ "$(git -C "$git" log -1 --format=%s base 2>/dev/null)" != "Linux $kver ($ver)" ]; then
	echo "series: committing the pristine linux-source-6.12 $ver to $git"
	rm -rf "$git"
	mkdir -p "$git"
	tar -C "$git" --strip-components=1 -xf "$tarball"
	git -C "$git" init -q
	git -C "$git" add -A -f	# Debian's .gitignore ignores the top level
	git -C "$git" -c user.name=series -c user.email=series@localhost \
		commit -q -m "Linux $kver ($ver)"
	git -C "$git" tag -f base >/dev/null
fi

cd "$git"
git checkout -q -f -B series base
git clean -q -f -d -x

# The dates of the commits are the date of the repository's HEAD, so that
# the same repository gives the same series.
date=$(git -C "$TOP" log -1 --format=%aI)
n=0
for p in $patches; do
	pf=$TOP/patches/$p
	from=$(sed -n '1s/^From: //p' "$pf")
	subject=$(sed -n '2s/^Subject: //p' "$pf")
	if [ -z "$from" ] || [ -z "$subject" ]; then
		echo "series: $p: the header must start with From: and Subject: lines" >&2
		exit 1
	fi
	# The body: after the Subject line, up to the "---" line.
	{
		echo "$subject"
		sed -n '3,/^---$/p' "$pf" | sed '$d'
	} > "$BUILD/series-msg"
	if ! git apply --index "$pf"; then
		echo "series: $p does not apply with git apply" >&2
		exit 1
	fi
	for f in $(awk -v p="$p" '$1 == p { print $2 }' <<<"$pairs"); do
		mkdir -p "$(dirname "$f")"
		cp "$TOP/$f" "$f"
		git add -f "$f"
	done
	name=${from% <*}
	email=${from##*<}
	email=${email%>}
	GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
		git -c user.name="$name" -c user.email="$email" \
		commit -q --author="$from" -F "$BUILD/series-msg"
	n=$((n + 1))
done
rm -f "$BUILD/series-msg"

# The tree of the last commit is the quilt tree's, file for file.
for f in $(awk '{ print $2 }' <<<"$pairs"); do
	cmp -s "$TOP/$f" "$f" || { echo "series: $f differs from the repository's" >&2; exit 1; }
done

git format-patch -q -o "$out" --cover-letter --subject-prefix="RFC PATCH" \
	--no-signature base..series
cover=$(ls "$out"/0000-*.patch)
subject=$(head -n 1 "$TOP/series/cover-letter")
awk -v subject="$subject" -v blurb="$TOP/series/cover-letter" '
	i = index($0, "*** SUBJECT HERE ***") {
		print substr($0, 1, i - 1) subject; next
	}
	$0 == "*** BLURB HERE ***" {
		getline line < blurb	# the subject
		while ((getline line < blurb) > 0)
			print line
		next
	}
	{ print }' "$cover" > "$cover.new"
mv "$cover.new" "$cover"
if grep -q -e '\*\*\* SUBJECT HERE' -e '\*\*\* BLURB HERE' "$cover"; then
	echo "series: $cover: the cover letter was not filled in" >&2
	exit 1
fi
echo "series: $out: a cover letter and $n patches against Linux $kver"

#!/usr/bin/env bash
# The desktop entry and the AppStream metainfo pass the freedesktop validators with no warning.
# Usage: test_package_metadata.sh DIR APP_ID   (DIR holds APP_ID.desktop and APP_ID.metainfo.xml)
# Exits 77 (ctest: skipped) with the reason when a validator is not installed.
set -uo pipefail
dir=$1 id=$2
for tool in desktop-file-validate appstreamcli; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed (packaging/install-deps.sh installs desktop-file-utils and appstream)"
        exit 77
    fi
done
status=0
# desktop-file-validate exits 0 on warnings and hints too: any line it prints is a failure here.
out=$(desktop-file-validate "$dir/$id.desktop" 2>&1); rc=$?
echo "desktop-file-validate $id.desktop: rc=$rc ${out:-(no issue)}"
{ [ $rc -eq 0 ] && [ -z "$out" ]; } || status=1
# --strict: warnings and infos fail too; only pedantic hints (the id's capitals) pass.
appstreamcli validate --no-net --strict "$dir/$id.metainfo.xml"; rc=$?
echo "appstreamcli validate $id.metainfo.xml: rc=$rc"
[ $rc -eq 0 ] || status=1
# The metainfo must launch this very desktop file and name this icon.
grep -q "<launchable type=\"desktop-id\">$id.desktop</launchable>" "$dir/$id.metainfo.xml" \
    || { echo "FAIL: $id.metainfo.xml does not launch $id.desktop"; status=1; }
grep -qx "Icon=$id" "$dir/$id.desktop" || { echo "FAIL: $id.desktop does not use the icon $id"; status=1; }
exit $status

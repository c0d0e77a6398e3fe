#!/usr/bin/env bash
# Builds the .deb with CPack, installs it on this machine, runs the installed facelab (version,
# `init` of a scratch project), validates the installed desktop and metainfo files, removes the
# package and checks nothing of it is left.
# Usage: test_package_deb.sh BUILD_DIR APP_ID VERSION
# Exits 77 (ctest: skipped) with the reason when not root, dpkg or cpack is missing, facelab is not
# built, or a facelab package is already installed (it is not ours to replace).
set -uo pipefail
build=$1 id=$2 version=$3

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root: installing a .deb needs root"
for tool in dpkg dpkg-deb dpkg-shlibdeps cpack readelf; do
    command -v "$tool" >/dev/null || skip "$tool is missing (packaging/install-deps.sh installs dpkg-dev and cmake)"
done
[ -x "$build/app/facelab" ] || skip "$build/app/facelab is not built"
[ -f "$build/CPackConfig.cmake" ] || skip "$build/CPackConfig.cmake is missing (configure with FACELAB_BUILD_GUI=ON)"
state=$(dpkg-query -W -f='${db:Status-Status}' facelab 2>/dev/null)
case "$state" in
    ""|not-installed|config-files) ;;
    *) skip "a facelab package is already here ($state); not replacing it" ;;
esac

tmp=$(mktemp -d)
installed=0
cleanup() {
    [ $installed -eq 1 ] && dpkg -r facelab >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

echo "== cpack"
cpack --config "$build/CPackConfig.cmake" -B "$tmp/cpack" >"$tmp/cpack.log" 2>&1 \
    || { cat "$tmp/cpack.log"; fail "cpack failed"; }
debs=("$tmp"/cpack/facelab_*.deb)
[ -f "${debs[0]}" ] || { cat "$tmp/cpack.log"; fail "cpack wrote no facelab_*.deb"; }
deb=${debs[0]}
echo "$(basename "$deb"): $(du -h "$deb" | cut -f1)"

echo "== control (dpkg-deb -f)"
dpkg-deb -f "$deb"
depends=$(dpkg-deb -f "$deb" Depends)
# Libraries the binary links come from dpkg-shlibdeps; the Qt plugins from the hand-written list.
# Each name is a prefix of a package name (libtorch: libtorch1.13).
for dep in libc6 libqt6core6 libqt6widgets6 libqt6sql6 libtorch libopencv-dnn libqt6sql6-sqlite libqt6svg6; do
    grep -Eq "(^|, )$dep" <<<"$depends" || fail "Depends lacks $dep: $depends"
done

echo "== contents"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/facelab ./usr/lib/facelab/facelab-engine ./usr/lib/facelab/libfacelab-decoders.so \
         ./usr/bin/facelab-fetch-models \
         ./usr/share/applications/$id.desktop ./usr/share/metainfo/$id.metainfo.xml \
         ./usr/share/icons/hicolor/scalable/apps/$id.svg \
         ./usr/share/icons/hicolor/16x16/apps/$id.png ./usr/share/icons/hicolor/48x48/apps/$id.png \
         ./usr/share/icons/hicolor/256x256/apps/$id.png; do
    grep -qx "$f" <<<"$contents" || fail "the package lacks $f"
done

echo "== dpkg -i"
installed=1
dpkg -i "$deb" || fail "dpkg -i $(basename "$deb") failed"
bin=/usr/bin/facelab
[ -x $bin ] || fail "$bin is not installed"
# The engine is ~200 MB of which ~190 debug info; the package ships the programs stripped.
for f in $bin /usr/lib/facelab/facelab-engine /usr/lib/facelab/libfacelab-decoders.so; do
    sections=$(readelf -S $f)
    ! grep -q "\.debug_info" <<<"$sections" || fail "$f is not stripped ($(du -h $f | cut -f1))"
    missing=$(ldd $f | grep "not found")
    [ -z "$missing" ] || fail "$f has unresolved libraries: $missing"
done

# Run it as an installed user would: a fresh HOME, no build tree on the way.
export HOME=$tmp/home QT_QPA_PLATFORM=offscreen
mkdir -p "$HOME"
cd "$tmp"
echo "== facelab --version"
out=$($bin --version 2>&1) || fail "facelab --version failed: $out"
echo "$out"
[ "$out" = "facelab $version" ] || fail "facelab --version printed '$out', expected 'facelab $version'"
echo "== facelab init"
$bin init "$tmp/project" || fail "facelab init failed"
[ -s "$tmp/project/project.sqlite" ] || fail "facelab init wrote no $tmp/project/project.sqlite"
$bin stats "$tmp/project" --json >/dev/null || fail "facelab stats on the new project failed"
echo "== facelab model (handed to the installed facelab-engine)"
out=$($bin model "$tmp/project" --list --json 2>&1) || fail "facelab model --list failed: $out"
[ "$(tr -d ' \n' <<<"$out")" = "[]" ] || fail "facelab model --list printed '$out', expected []"

if command -v desktop-file-validate >/dev/null && command -v appstreamcli >/dev/null; then
    echo "== validators on the installed files"
    desktop-file-validate /usr/share/applications/$id.desktop || fail "desktop-file-validate"
    appstreamcli validate --no-net --strict /usr/share/metainfo/$id.metainfo.xml || fail "appstreamcli validate"
fi

echo "== dpkg -r"
dpkg -r facelab || fail "dpkg -r facelab failed"
installed=0
[ ! -e $bin ] || fail "$bin is still there after dpkg -r"
[ ! -e /usr/share/applications/$id.desktop ] || fail "$id.desktop is still there after dpkg -r"
state=$(dpkg-query -W -f='${db:Status-Status}' facelab 2>/dev/null)
case "$state" in ""|not-installed|config-files) ;; *) fail "dpkg still lists facelab as $state" ;; esac
echo "PASS"

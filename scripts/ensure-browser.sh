#!/bin/sh
# Browser tests drive Debian's Chromium; CJK fonts make Chinese text render in screenshots.
# Installs both when missing and this user may use apt-get; otherwise says what to do.
set -eu
missing=""
[ -x /usr/bin/chromium ] || missing="chromium"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK\|WenQuanYi" || missing="$missing fonts-noto-cjk"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then APT="apt-get"; elif sudo -n true 2>/dev/null; then APT="sudo apt-get"; else
  echo "Browser tests need: $missing (install with apt-get as root); they will be skipped." >&2
  exit 0
fi
echo "Installing$missing for the browser tests..."
$APT update -qq
DEBIAN_FRONTEND=noninteractive $APT install -y -qq --no-install-recommends $missing >/dev/null

# shellcheck shell=bash
# Sourced by the packaging checks: the steps of ../steps.sh (the caller sets
# $tmp, a scratch directory), and a gateway to run consumers against.
# shellcheck source=SCRIPTDIR/../steps.sh
. "$(dirname "${BASH_SOURCE[0]}")/../steps.sh"

# Starts the tfy-mock-gateway program $1 on a free loopback port with
# --count $count; sets gw_pid and base_url (its /v1).
start_gateway_from() {
	"$1" --port 0 --count "$count" >"$tmp/gw.log" 2>&1 &
	gw_pid=$!
	local port=
	for _ in $(seq 100); do
		port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/gw.log")
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || return 1
	base_url=http://127.0.0.1:$port/v1
	echo "$1 at $base_url"
}

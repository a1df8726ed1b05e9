#!/usr/bin/env bash
# The bash completion of tfy-batches, loaded in a plain `bash --norc`:
# commands, options of every command (each option its --help lists), and
# file names for --cacert.  Usage: completion.sh COMPLETION_FILE TFY_BATCHES
set -uo pipefail
completion=$(realpath "$1") program=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/ca-bundle.pem"
passed=0 failed=0

# Prints COMPREPLY, one per line, for the words given (the last is the one completed).
complete_words() {
	(cd "$tmp" && bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_tfy_batches
		printf "%s\n" "${COMPREPLY[@]}"' bash "$completion" "$@")
}

check() {
	local name=$1 want=$2; shift 2
	local got
	got=$(complete_words "$@" | sort | tr '\n' ' ')
	if [ "$got" = "$want " ]; then
		passed=$((passed + 1)); echo "ok: $name"
	else
		failed=$((failed + 1)); echo "FAILED: $name: got '$got', want '$want '"
	fi
}

check "command li<TAB>" "list" tfy-batches li
check "option --al<TAB>" "--all" tfy-batches --al
check "list --sum<TAB>" "--summary" tfy-batches list --sum
check "--format <TAB>" "csv json ndjson table" tfy-batches --format ""
check "--cacert c<TAB>" "ca-bundle.pem" tfy-batches --cacert c
check "--pass-file c<TAB>" "ca-bundle.pem" tfy-batches list --pass-file c
check "help <TAB>" "cancel check create files get help job list results run wait webhook" tfy-batches help ""
check "webhook <TAB>" "verify" tfy-batches webhook ""
check "--secret-file c<TAB>" "ca-bundle.pem" tfy-batches webhook verify --secret-file c
check "files <TAB>" "delete download get list upload" tfy-batches files ""
check "files list --order <TAB>" "asc desc" tfy-batches files list --order ""
check "files list --pur<TAB>" "--purpose" tfy-batches files list --pur
check "files download -<TAB> has -o" "-o" tfy-batches files download x -o
check "job <TAB>" "cancel status" tfy-batches job ""
check "run --max-b<TAB>" "--max-bytes" tfy-batches run x --max-b
check "run --prices c<TAB>" "ca-bundle.pem" tfy-batches run x --prices c

# Every option that a command's --help shows is completed for it; a command
# may be two words ("files get"), its name ending at two spaces.
while IFS= read -r cmd; do
	# shellcheck disable=SC2086 # the words of the command, split on purpose
	offered=" $(complete_words tfy-batches $cmd - | tr '\n' ' ') "
	missing=()
	# shellcheck disable=SC2086
	for opt in $("$program" $cmd --help | grep -oE '(^|[ ,])(-[Hko]|--[a-z][a-z0-9-]*)' |
		tr -d ' ,' | sort -u); do
		case $offered in *" $opt "*) ;; *) missing+=("$opt") ;; esac
	done
	case " $(complete_words tfy-batches "" | tr "\n" " ") " in
	*" ${cmd%% *} "*) ;; *) missing+=("the command itself") ;;
	esac
	if [ "$cmd" != "${cmd#* }" ]; then
		case " $(complete_words tfy-batches "${cmd%% *}" "" | tr "\n" " ") " in
		*" ${cmd#* } "*) ;; *) missing+=("the subcommand") ;;
		esac
	fi
	if [ ${#missing[@]} -eq 0 ]; then
		passed=$((passed + 1)); echo "ok: every option of '$cmd --help' is completed"
	else
		failed=$((failed + 1)); echo "FAILED: '$cmd': not completed: ${missing[*]}"
	fi
done < <("$program" help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\( [a-z-][a-z-]*\)\{0,1\}\)  .*/\1/p')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

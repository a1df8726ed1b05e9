# bash completion for tfy-batches: commands, options, and files for the
# options that take a path.  Options are listed per group as the program
# parses them (tools/tfy-batches/opts.c); tests/cli/completion.sh checks
# that every option of every command's --help is here.

_tfy_batches()
{
	local cur prev words cword
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	local commands="list get cancel create wait files check results run job webhook help"
	local files_commands="upload list get download delete"
	local webhook_commands="verify"
	local job_commands="status cancel"
	local general="--help --version"
	local connection="--base-url --api-key --auth-header -H --query --timeout
		--connect-timeout --request-timeout --max-retries --cacert --capath -k --insecure
		--cert --key --pass --pass-file --proxy --noproxy --proxy-user --proxy-user-file"
	local routing="--provider-name --provider-model --azure-api-version --vertex-region
		--vertex-bucket --aws-s3-bucket --aws-bedrock-model --tfy-metadata"
	local format="--format -q --quiet"
	local paging="--limit --after --all --max-items"
	local listing="$paging --status --summary"
	local creating="--endpoint --completion-window --metadata"
	local listening="--webhook-listen --secret-file"
	local job="--max-requests --max-bytes --max-enqueued-tokens --concurrency --retries --prices"
	local api="$general $connection $routing"

	# The command: the first word that is not an option; none means list.
	# "files", "job" and "webhook" take a second word.
	local cmd=list i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) break ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ $cmd == files || $cmd == webhook || $cmd == job ]]; then
		if ((i + 1 == COMP_CWORD)); then
			local subs=$files_commands
			[[ $cmd == webhook ]] && subs=$webhook_commands
			[[ $cmd == job ]] && subs=$job_commands
			COMPREPLY=($(compgen -W "$subs" -- "$cur")); return
		fi
		cmd="$cmd ${COMP_WORDS[i + 1]}"
	fi

	case $prev in
	--cacert|--cert|--key|--pass-file|--proxy-user-file|--secret-file|--prices)
		COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	--capath)
		COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	-o|--output)
		if [[ $cmd == run ]]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		compopt -o filenames 2>/dev/null; return ;;
	--format)
		COMPREPLY=($(compgen -W "table json ndjson csv" -- "$cur")); return ;;
	--status)
		COMPREPLY=($(compgen -W "validating failed in_progress finalizing completed expired
			cancelling cancelled" -- "$cur")); return ;;
	--auth-header)
		COMPREPLY=($(compgen -W "api-key" -- "$cur")); return ;;
	--order)
		COMPREPLY=($(compgen -W "asc desc" -- "$cur")); return ;;
	--purpose)
		COMPREPLY=($(compgen -W "batch batch_output" -- "$cur")); return ;;
	--provider-kind)
		COMPREPLY=($(compgen -W "openai azure bedrock vertex" -- "$cur")); return ;;
	--query)
		COMPREPLY=($(compgen -W "api-version=" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
	--base-url|--api-key|-H|--timeout|--connect-timeout|--request-timeout|--max-retries|\
	--provider-name|--provider-model|--azure-api-version|--vertex-region|--vertex-bucket|\
	--aws-s3-bucket|--aws-bedrock-model|--tfy-metadata|--limit|--after|--max-items|\
	--pass|--proxy|--noproxy|--proxy-user|--endpoint|--completion-window|--metadata|\
	--input-file-id|--resume|--wait-timeout|--webhook-listen|--max-requests|--max-bytes|\
	--max-enqueued-tokens|--concurrency|--retries)
		return ;; # a value of the user's
	esac

	local opts paths= dirs=
	case $cmd in
	list) opts="$api $format $listing" ;;
	get|cancel|"files get") opts="$api $format" ;;
	wait) opts="$api $format --wait-timeout $listening" ;;
	"webhook verify") opts="$general $format --secret-file" ;;
	"files list") opts="$api $format $paging --purpose --order" ;;
	create) opts="$api $format --input-file-id $creating" ;;
	"files upload"|results) opts="$api $format"; paths=1 ;;
	"files download") opts="$api -o --output -f --force" ;;
	"files delete") opts=$api ;;
	check) opts="$general --endpoint --provider-kind"; paths=1 ;;
	run) opts="$api $format --endpoint --completion-window --provider-kind -o --output -f --force --resume
		--cancel-on-interrupt --wait-timeout $job"; paths=1 ;;
	"job status"|"job cancel") opts="$api $format"; dirs=1 ;;
	help)
		if [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W "$commands" -- "$cur")); return
		fi
		opts=$general ;;
	*) return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ -n $dirs ]]; then
		COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null
	elif [[ -n $paths && $COMP_CWORD -gt 1 ]]; then
		COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
	elif [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
	fi
}
complete -F _tfy_batches tfy-batches

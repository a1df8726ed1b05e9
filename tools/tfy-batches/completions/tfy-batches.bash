# bash completion for tfy-batches: commands, options, and files for the
# options that take a path.  Options are listed per group as the program
# parses them (tools/tfy-batches/opts.c); tests/cli/completion.sh checks
# that every option of every command's --help is here.

_tfy_batches()
{
	local cur prev words cword
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	local commands="list help"
	local general="--help --version"
	local connection="--base-url --api-key --auth-header -H --query --timeout
		--connect-timeout --request-timeout --max-retries --cacert --capath -k --insecure
		--cert --key --pass --pass-file --proxy --noproxy --proxy-user --proxy-user-file"
	local routing="--provider-name --provider-model --azure-api-version --vertex-region
		--vertex-bucket --aws-s3-bucket --aws-bedrock-model --tfy-metadata"
	local format="--format"
	local listing="--limit --after --all --max-items --status --summary"

	# The command: the first word that is not an option; none means list.
	local cmd=list i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) break ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done

	case $prev in
	--cacert|--cert|--key|--pass-file|--proxy-user-file)
		COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	--capath)
		COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	--format)
		COMPREPLY=($(compgen -W "table json ndjson csv" -- "$cur")); return ;;
	--status)
		COMPREPLY=($(compgen -W "validating failed in_progress finalizing completed expired
			cancelling cancelled" -- "$cur")); return ;;
	--auth-header)
		COMPREPLY=($(compgen -W "api-key" -- "$cur")); return ;;
	--query)
		COMPREPLY=($(compgen -W "api-version=" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
	--base-url|--api-key|-H|--timeout|--connect-timeout|--request-timeout|--max-retries|\
	--provider-name|--provider-model|--azure-api-version|--vertex-region|--vertex-bucket|\
	--aws-s3-bucket|--aws-bedrock-model|--tfy-metadata|--limit|--after|--max-items|\
	--pass|--proxy|--noproxy|--proxy-user)
		return ;; # a value of the user's
	esac

	local opts
	case $cmd in
	list) opts="$general $connection $routing $format $listing" ;;
	help)
		if [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W "$commands" -- "$cur")); return
		fi
		opts=$general ;;
	*) return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
	fi
}
complete -F _tfy_batches tfy-batches

# bash completion for concorde and shaman (one binary; shaman is a link to it).
# Installed as /usr/share/bash-completion/completions/concorde (and .../shaman, a link to it), or
# sourced from ~/.bashrc. Kept in sync with `concorde --help` and `shaman --help` by
# tests/Contrib/CompletionTests.

# Every leaf command of `concorde help`, one per line: its words, then after ';' the options it takes
# (each takes a value, except --wildcard). Words: a|b is a subcommand and its alias (a is offered, both are accepted);
# <file> completes file names; any other <...> is an operand (a URL, a number) completed with
# nothing; a final "..." repeats the last operand.
_concorde_commands='
keys|key create <file>
unreg <file> <url> create ; --contact --eab-kid --eab-hmac-key-file --eab-hmac-key --eab-alg
unreg <file> <url> status
unreg <file> <url> revoke <file> ; --reason
reg <file> <url> <url> acct status
reg <file> <url> <url> acct update ; --contact
reg <file> <url> <url> acct key-change <file>
reg <file> <url> <url> acct deactivate
reg <file> <url> <url> order create <identifier> ... ; --profile
reg <file> <url> <url> order status <url>
reg <file> <url> <url> order get-authz <url> <index>
reg <file> <url> <url> order finalize <url> <file> <name> ...
reg <file> <url> <url> order get-cert <url> ; --alternate
reg <file> <url> <url> challenge <url> status
reg <file> <url> <url> challenge <url> authorize ; --authz
reg <file> <url> <url> challenge <url> validate
reg <file> <url> <url> authz <url> status
reg <file> <url> <url> authz <url> deactivate
reg <file> <url> <url> cert revoke <file> ; --reason
directory <url>
renewal-info <url> <file>
dns-persist-record <url> <url> <name> ; --wildcard --persist-until --issuer
'

# The first words besides the subcommands of the tree.
_concorde_extra_words='help shaman'
_concorde_global_options='--ca-bundle --help --version'
_concorde_shaman_options='-q --quiet --status --json --dry-run --force --random-sleep --renew --domain --new-key --revoke --reason --import-certbot -h --help --version'
# The reasons `shaman --revoke` takes, for its --reason.
_concorde_shaman_reasons='unspecified keyCompromise superseded cessationOfOperation'
# RFC 5280 revocation reasons by name, for --reason.
_concorde_reasons='unspecified keyCompromise cACompromise affiliationChanged superseded cessationOfOperation certificateHold removeFromCRL privilegeWithdrawn aACompromise'

# _concorde_reply "WORD ..." : COMPREPLY gets the words that start with the word being completed.
_concorde_reply() {
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -W "$*" -- "$cur")
}

_concorde_files() {
    compopt -o filenames 2>/dev/null
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
}

_concorde_directories() {
    compopt -o filenames 2>/dev/null
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur")
}

# _concorde_next [help] WORD... : what may follow the typed words in the leaf commands; with "help",
# only subcommand words (operands are skipped, as `concorde help` takes subcommands only).
_concorde_next() {
    local help=
    [[ $1 == help ]] && { help=1; shift; }
    local line synopsis options token typed i matched files=
    local -a tokens words=("$@")
    local -A offer=()
    while IFS= read -r line; do
        [[ -n $line ]] || continue
        synopsis=${line%%;*} options=
        [[ $line == *';'* ]] && options=${line#*;}
        read -ra tokens <<< "$synopsis"
        if [[ -n $help ]]; then
            local -a literal=()
            for token in "${tokens[@]}"; do [[ $token == '<'* || $token == ... ]] || literal+=("$token"); done
            tokens=("${literal[@]}")
        fi
        matched=1 i=0
        for typed in "${words[@]}"; do
            if (( i >= ${#tokens[@]} )); then
                [[ ${tokens[-1]} == ... ]] || { matched=; break; }
                continue
            fi
            token=${tokens[i]}
            if [[ $token == ... ]]; then
                continue
            elif [[ $token != '<'* && "|$token|" != *"|$typed|"* ]]; then
                matched=; break
            fi
            (( i++ ))
        done
        [[ -n $matched ]] || continue
        if [[ $cur == -* ]]; then
            local last=0 j
            for j in "${!tokens[@]}"; do [[ ${tokens[j]} == '<'* || ${tokens[j]} == ... ]] || last=$j; done
            if (( ${#words[@]} > last )); then
                for token in $options --help; do offer[$token]=1; done
            fi
            continue
        fi
        token=${tokens[i]:-}
        [[ $token == ... ]] && token=${tokens[i-1]}
        case $token in
            '') ;;
            '<file>') files=1 ;;
            '<'*) ;;
            *) offer[${token%%|*}]=1 ;;
        esac
    done <<< "$_concorde_commands"
    _concorde_reply "${!offer[*]}"
    [[ -z $files ]] || _concorde_files
}

_concorde_shaman_arguments() {
    case $prev in
        --random-sleep|--domain|--revoke) return ;;
        --reason) _concorde_reply "$_concorde_shaman_reasons"; return ;;
        # certbot's config directory or one renewal/NAME.conf.
        --import-certbot) _concorde_files; return ;;
    esac
    if [[ $cur == -* ]]; then
        _concorde_reply "$_concorde_shaman_options"
    else
        _concorde_directories
    fi
}

_shaman() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()
    _concorde_shaman_arguments
}

_concorde() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()
    case $prev in
        --ca-bundle|--eab-hmac-key-file) _concorde_files; return ;;
        # `concorde shaman --reason` takes shaman's reasons, offered below once the words reach "shaman".
        --reason) [[ " ${COMP_WORDS[*]:1:COMP_CWORD-1} " == *" shaman "* ]] || { _concorde_reply "$_concorde_reasons"; return; } ;;
        --contact|--eab-kid|--eab-hmac-key|--eab-alg|--profile|--alternate|--authz) return ;;
    esac

    # The words typed so far, without options and their values.
    local -a words=()
    local i word operands_only=
    for (( i = 1; i < COMP_CWORD; i++ )); do
        word=${COMP_WORDS[i]}
        if [[ -z $operands_only && $word == -?* && $word != -[0-9]* ]]; then
            if [[ $word == -- ]]; then
                operands_only=1
            elif [[ $word != --*=* && $word != --help && $word != -h && $word != --version ]]; then
                (( i++ )) # every other option takes a value
            fi
            continue
        fi
        words+=("$word")
        [[ ${words[0]} == shaman ]] && { _concorde_shaman_arguments; return; }
    done

    if (( ${#words[@]} == 0 )); then
        if [[ $cur == -* ]]; then
            _concorde_reply "$_concorde_global_options"
        else
            local line first=
            while read -r line; do
                line=${line%% *}
                [[ -n $line && " $first " != *" ${line%%|*} "* ]] && first+=" ${line%%|*}"
            done <<< "$_concorde_commands"
            _concorde_reply "$first $_concorde_extra_words"
        fi
    elif [[ ${words[0]} == help ]]; then
        [[ $cur == -* ]] || _concorde_next help "${words[@]:1}"
    else
        _concorde_next "${words[@]}"
    fi
}

complete -F _concorde concorde
complete -F _shaman shaman

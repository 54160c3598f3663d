# fish completion for stage-copy(1), made by `stage-copy --completion=fish` from its option table
complete -c stage-copy -s D -l destination -x -a 'postgres postgresql:// sqlite sqlite://' -d 'postgresql://… or sqlite://… URL, or a name (default: sqlite, ./stage.db)'
complete -c stage-copy -s j -l jobs -x -a '1 2 4 8' -d 'load N files at once (default 1)'
complete -c stage-copy -s n -l dry-run -d 'print the SQL instead of running it'
complete -c stage-copy -l progress -d 'progress line on stderr even if not a tty'
complete -c stage-copy -s q -l quiet -d 'errors only'
complete -c stage-copy -s v -l verbose -d 'say more'
complete -c stage-copy -s h -l help -d 'this help'
complete -c stage-copy -l version -d 'print the version'

"""The layer's ``lambent-wrapper``: lambent's runtime loop in Lambda's managed Python runtimes.

With ``AWS_LAMBDA_EXEC_WRAPPER=/opt/lambent-wrapper`` the managed runtime runs
``/opt/lambent-wrapper <python> <runtime bootstrap> [args...]`` (LAMBDA.md §3.5). The
script runs lambent's loop with ``<python>`` instead of the bootstrap, with the task root,
the layer's site-packages and ``/opt/python`` first on ``PYTHONPATH`` (the order the
managed bootstrap gives ``sys.path``, LAMBDA.md §3.6): what ``python -m lambent.runtime
$_HANDLER`` does, entered through ``-c`` so that a cold start does not load ``runpy``.
``LAMBENT_RUNTIME=awslambdaric`` hands over to the managed runtime unchanged; another
value than ``lambent`` is said in one line on stderr (it ran lambent's loop silently).
"""

from __future__ import annotations

#: the wrapper's path inside the layer zip (``/opt/lambent-wrapper`` once deployed)
NAME = "lambent-wrapper"

SCRIPT = """\
#!/bin/sh
# lambent-wrapper: lambent's own runtime loop in Lambda's managed Python runtimes.
# Set AWS_LAMBDA_EXEC_WRAPPER=/opt/lambent-wrapper; the runtime then runs
#   /opt/lambent-wrapper <python> <runtime bootstrap> [args...]
# and this runs what <python> -m lambent.runtime "$_HANDLER" runs instead (entered
# through -c: no runpy at a cold start).
# LAMBENT_RUNTIME=awslambdaric runs the managed runtime unchanged.
if [ "$#" -lt 1 ]; then
  echo "lambent-wrapper: run it through AWS_LAMBDA_EXEC_WRAPPER (arguments: python bootstrap)" >&2
  exit 2
fi
case "${LAMBENT_RUNTIME:-lambent}" in
  awslambdaric) exec "$@" ;;
  lambent) ;;
  *) echo "lambent-wrapper: LAMBENT_RUNTIME=$LAMBENT_RUNTIME is neither lambent nor awslambdaric: running lambent's loop" >&2 ;;
esac
python="$1"
case "$0" in */*) layer="${0%/*}" ;; *) layer=. ;; esac
paths="${LAMBDA_TASK_ROOT:-/var/task}"
for site in "$layer"/python/lib/python3*/site-packages; do
  if [ -d "$site" ]; then paths="$paths:$site"; fi
done
export PYTHONPATH="$paths:$layer/python${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" -c "from lambent.runtime._entry import main; raise SystemExit(main())" \\
  "${_HANDLER:?lambent-wrapper: _HANDLER is not set}"
"""

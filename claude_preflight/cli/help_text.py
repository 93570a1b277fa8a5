"""The longer ``--help`` texts: descriptions, examples and the configuration keys."""

MAIN_EPILOG = """\
examples:
  claude-preflight check requests/                 check every request file under requests/
  claude-preflight check --fix .                   apply the safe fixes
  claude-preflight explain SP002                   what a rule means and how to fix it
  claude-preflight models --surface bedrock        model IDs and their status on Bedrock

Run 'claude-preflight COMMAND --help' for the options of a command.

"""

CHECK = """\
Check request fixture files: JSON, YAML (several documents allowed) and JSONL/NDJSON (one
request per line). A document is a bare request body, an envelope {endpoint, headers, surface,
as_of, api_version, body}, or a Message Batches entry {custom_id, params}.

File discovery: a file named on the command line (or matched by the configured 'paths') is
always checked. In a directory, a file is checked only when it looks like a request (an
envelope, a Messages/count_tokens body, a Message Batches body or entry, or a JSONL file of
those); other JSON/YAML files such as package.json or CI workflows are skipped (listed with
--verbose). Directory walks skip hidden folders, node_modules, virtual environments, build
folders, the configured exclusions and whatever .gitignore ignores.

Findings are sorted by file, line and column; paths are relative to the working directory."""

CHECK_EPILOG = """\
examples:
  claude-preflight check tests/fixtures --as-of 2026-12-01
  claude-preflight check . --select SP,TH --ignore SP003
  claude-preflight check . --statistics
  claude-preflight check --fix tests/fixtures                   safe fixes in place
  claude-preflight check --diff tests/fixtures > fix.patch && git apply fix.patch
  cat request.json | claude-preflight check - --stdin-filename tests/fixtures/request.json
  claude-preflight check --format sarif --output preflight.sarif tests/fixtures

"""

CONFIG_KEYS = """
configuration ([tool.claude-preflight] in pyproject.toml, found by walking up from the first path):
  select = ["LC", "SP002"]             rules to check: codes, prefixes or names (default: all)
  ignore = ["LC009"]                   rules never reported
  fail-on = "error"                    lowest failing severity: error, warning or info
  surface = "anthropic"                default surface
  api-version = "2023-06-01"           default API version
  catalogue = ["org-models.yaml"]      extra catalogue files, relative to pyproject.toml
  paths = ["tests/fixtures/**/*.json"] default paths; matching files are always checked
  exclude = [...]                      gitignore-style patterns replacing the default exclusions
  extend-exclude = ["legacy/"]         patterns skipped besides the defaults
  respect-gitignore = true             skip files that .gitignore ignores
  stale-after-days = 45                say so (CF003, once per run) when the date checked for lies this
                                       many days past the date the catalogue was last checked
  [tool.claude-preflight.severity]           SELECTOR = "error" | "warning" | "info"
  [tool.claude-preflight.per-file-ignores]   "GLOB" = ["SELECTOR", ...]
  [[tool.claude-preflight.overrides]]        files = [...], pointer = "/body/x", ignore = [...]
A selector that names no rule is an error (exit 2) naming the file, line and a close match.
"""

EXPLAIN_EPILOG = """\
examples:
  claude-preflight explain SP002
  claude-preflight explain sampling-rejected-by-model

"""

RULES_EPILOG = """\
examples:
  claude-preflight rules
  claude-preflight rules --format json | jq '.[] | select(.fix == "safe") | .code'

The pretty listing is 'CODE  severity  name  summary [fix: safe|unsafe]'.

"""

MODELS_EPILOG = """\
examples:
  claude-preflight models --as-of 2026-06-20
  claude-preflight models --surface bedrock            Bedrock IDs with inference-profile prefixes
  claude-preflight models --surface vertex --all --format json

The json format is {as_of, surface, models: [{model, state, detail, access, aliases,
replacement, ids, profiles}]}; ids are the model IDs the surface takes, profiles the
cross-region inference-profile IDs (Bedrock).

"""

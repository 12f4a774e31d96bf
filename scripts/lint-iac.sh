#!/usr/bin/env bash
# Lints the CloudFormation templates stackdrop deploys and the SAM template with cfn-lint: the
# static stage templates, and a sample of app templates synthesised from the synthesis corpus
# (scripts/write-synth-sample.ts says which; `npm run lint:iac -- --all` lints all 56), written to a
# temporary directory.
# Kept warnings are listed, with their reasons, in .cfnlintrc.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "lint:iac needs cfn-lint (Python): install it with 'pip install cfn-lint', then run 'npm run lint:iac' again." >&2
  exit 1
fi
synth="$(mktemp -d)"
trap 'rm -rf "$synth"' EXIT
node scripts/write-synth-sample.ts "$synth" "$@"
files=(templates/*.yaml "$synth"/*.json)
[ -f template.yaml ] && files+=(template.yaml)
cfn-lint --version
cfn-lint "${files[@]}"
echo "cfn-lint: ${#files[@]} template(s), no errors"

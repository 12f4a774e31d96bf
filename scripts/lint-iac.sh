#!/usr/bin/env bash
# Lints the CloudFormation templates stackdrop deploys and the SAM template with cfn-lint.
# Kept warnings are listed, with their reasons, in .cfnlintrc.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "lint:iac needs cfn-lint (Python): install it with 'pip install cfn-lint', then run 'npm run lint:iac' again." >&2
  exit 1
fi
files=(templates/*.yaml)
[ -f template.yaml ] && files+=(template.yaml)
cfn-lint --version
cfn-lint "${files[@]}"
echo "cfn-lint: ${#files[@]} template(s), no errors"

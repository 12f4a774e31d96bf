# sam build runs build-<LogicalId> for each function whose Metadata says BuildMethod: makefile, with
# ARTIFACTS_DIR set to that function's build folder. Every target runs scripts/build.mjs, the same
# build as `npm run build` and the bundle benchmark, so what is measured is what deploys.
# Needs `npm ci` first (the build uses esbuild and the SDK from node_modules).
BUILD = node scripts/build.mjs

build-CloseBastionFunction:
	$(BUILD) close-bastion --outdir "$(ARTIFACTS_DIR)"

build-DeployRouterFunction:
	$(BUILD) deploy-router --outdir "$(ARTIFACTS_DIR)"

build-DeployStackFunction:
	$(BUILD) deploy-stack --outdir "$(ARTIFACTS_DIR)"

build-ListBastionsFunction:
	$(BUILD) list-bastions --outdir "$(ARTIFACTS_DIR)"

build-LoadManifestFunction:
	$(BUILD) load-manifest --outdir "$(ARTIFACTS_DIR)"

build-OpenBastionFunction:
	$(BUILD) open-bastion --outdir "$(ARTIFACTS_DIR)"

build-ProjectTurnFunction:
	$(BUILD) project-turn --outdir "$(ARTIFACTS_DIR)"

build-ReapBastionsFunction:
	$(BUILD) reap-bastions --outdir "$(ARTIFACTS_DIR)"

build-RecordStatusFunction:
	$(BUILD) record-status --outdir "$(ARTIFACTS_DIR)"

build-RollServiceFunction:
	$(BUILD) roll-service --outdir "$(ARTIFACTS_DIR)"

build-StackCallbackFunction:
	$(BUILD) stack-callback --outdir "$(ARTIFACTS_DIR)"

.PHONY: build-CloseBastionFunction build-DeployRouterFunction build-DeployStackFunction build-ListBastionsFunction build-LoadManifestFunction build-OpenBastionFunction build-ProjectTurnFunction build-ReapBastionsFunction build-RecordStatusFunction build-RollServiceFunction build-StackCallbackFunction

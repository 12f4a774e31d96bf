/**
 * A Python program that runs several AWS CLI commands in one start-up through the CLI's own driver
 * (the same code path as the `aws` script): a fresh driver per command, as `aws` would make, sharing
 * the loaded service models. Input: a JSON list of argument lists (argv[1]); output: a JSON list of
 * `{ rc, stdout, stderr }`. Used by every test that drives the local cloud with the AWS CLI v1.
 */
export const AWS_CLI_BATCH = `
import contextlib, io, json, sys
from awscli.clidriver import create_clidriver
results = []
loader = None
for args in json.loads(sys.argv[1]):
    driver = create_clidriver()
    if loader is None:
        loader = driver.session.get_component("data_loader")
    else:
        driver.session.register_component("data_loader", loader)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = driver.main(args)
    results.append({"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results))
`;
